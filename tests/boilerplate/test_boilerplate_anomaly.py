"""The structure-anomaly layer (boilerplate/anomaly.py): debris judged by shape and context
goes, report text carrying Latin letters, digits and symbols stays."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from lawrpt_corpus import StripBoilerplate
from lawrpt_corpus.boilerplate import anomaly
from lawrpt_corpus.cli import main
from lawrpt_corpus.document import Document

STEP = StripBoilerplate()
OFF = StripBoilerplate(structure=False)

HEAD = [
    "湖里区司法局2023年法治政府建设年度报告",
    "2023年，我局坚持以习近平法治思想为指导，全面推进依法行政，现将有关情况报告如下：",
    "一、主要工作及成效",
    "（一）加强组织领导。局党组专题研究法治工作4次，研究解决重大问题12个，压实第一责任人职责。",
    "（二）深化普法宣传。组织开展宪法宣传周活动，发放宣传资料2.3万份，覆盖群众5万余人次。",
    "（三）规范行政执法。全面推行行政执法公示制度、执法全过程记录制度和重大执法决定法制审核制度。",
    *(
        f"{n}.深入推进{topic}工作，完善工作机制，细化任务分工，确保各项措施落到实处、取得实效。"
        for n, topic in enumerate(
            [
                "依法决策",
                "政务公开",
                "复议应诉",
                "矛盾化解",
                "普法依法治理",
                "法治队伍建设",
                "行政审批改革",
                "公共法律服务",
            ],
            1,
        )
    ),
]
TAIL = [
    *(
        f"围绕{topic}，我局制定专项方案，明确时间表和路线图，定期调度推进，全年完成既定目标任务。"
        for topic in [
            "优化营商环境",
            "社会治安综合治理",
            "乡村振兴法治保障",
            "数字政府建设",
            "安全生产监管",
            "生态环境保护",
            "基层法治示范创建",
        ]
    ),
    "（四）强化监督问责。自觉接受人大监督和政协民主监督，办理人大代表建议和政协委员提案23件。",
    "二、存在的问题",
    "执法力量不足，执法人员专业素养有待提高，部分执法人员运用法治思维解决问题的能力还不强。",
    "三、下一步打算",
    "持续加强法治队伍建设，深入开展执法人员培训，不断提升依法行政能力和水平，推动工作再上台阶。",
    "湖里区司法局",
    "2024年1月15日",
]
#: a paragraph an anomaly is glued into (the middle of the body)
PARA = "全年共办理行政复议案件125件，同比增长12.5%，依法纠正违法行政行为8件，纠错率达到6.4%。"


def _doc(lines: list[str]) -> Document:
    text = "\n".join(lines)
    return Document(source="t.txt", raw_sha256="0" * 64, n_bytes=len(text), text=text)


def _report(middle: list[str]) -> list[str]:
    return [*HEAD, *middle, *TAIL]


# -- report text that must survive ------------------------------------------------------------
#: real report sentences (in the forms reports write them) carrying Latin letters, digits and
#: symbols: figures, percentages, document numbers, standards, URLs and e-mail of government
#: services, hotlines, English abbreviations and terms, brands, list marks
LEGIT_SENTENCES = [
    "印发《关于进一步规范行政执法的通知》（湘政办发〔2023〕5号），明确执法责任和考核标准。",
    "严格执行GB/T 19001-2016质量管理体系标准，顺利通过ISO9001认证复审和ISO/IEC 27001认证。",
    "制定DB35/T 1234-2022地方标准1项，参与修订JGJ/T 188-2009行业标准，标准化工作取得新进展。",
    "群众可登录http://www.gov.cn或拨打12345政务服务便民热线反映问题，网址为www.hlq.gov.cn。",
    "推广使用“皖事通”APP、“赣服通”小程序，规范PPP项目管理，依托OA系统和CA认证开展无纸化办公。",
    "开通12348公共法律服务热线，全年接听群众法律咨询3.2万人次，群众满意率达到99.2%以上。",
    "PM2.5平均浓度下降至31微克/立方米，新建5G基站1200个，全区GDP增长6.1%，R&D投入强度2.8%。",
    "上线iPhone和Android版“i厦门”移动端，用户突破50万，开发H5专题页面累计浏览量超过10万次。",
    "利用微信公众号、抖音号、WeChat小程序和WeChatPay缴费等新媒体平台开展普法宣传和便民服务。",
    "推行“1+X”综合执法模式，形成“3+2”工作机制，组织开展“12·4”国家宪法日集中宣传活动。",
    "电子邮箱：sfj@hl.gov.cn，联系电话：0592-5701234，邮编：361000，欢迎社会各界监督。",
    "搭建“智慧司法”大数据平台（V2.0版），接入数据3000余万条，实现win10系统和IPv6全面升级。",
    "完成COVID-19疫情防控相关行政复议案件7件，开展WTO规则和RCEP协定专题培训300余人次。",
    "修订《XX市行政规范性文件管理办法》，清理文件A类12件、B类8件、C类3件，保留AAA级企业5家。",
    "开展“护苗2023”“净网2024”专项行动，关注微信公众号xmsfj或访问hlqsfj网站了解详情。",
    "建成O2O服务平台和B2B交易平台，实现“一网通办”，政务服务事项网上可办率达到98.6%。",
    "张**同志依法被给予警告处分，相关情况已在____栏目公示，接受群众监督。",
    "对照《法治政府建设实施纲要（2021—2025年）》第33条，首违不罚事项清单共计15项。",
    "推进Legal Aid项目合作，与香港Hong Kong Law Society签订合作备忘录，拓展涉外法律服务。",
    "执法记录仪配备率100%，案卷评查优秀率≥90%，行政诉讼败诉率≤3%，复议纠错率较上年下降1.2个百分点。",
]
#: short report lines without Han that a table, a list or a signature block holds
LEGIT_TABLE = [
    "序号",
    "单位",
    "案件数",
    "1",
    "区司法局",
    "125",
    "2",
    "区市场监管局",
    "3,218",
    "合计",
    "12.5%",
]


def _assert_line_between_paragraphs_goes(line: str, rule: str) -> None:
    """``line`` between two paragraphs goes, by ``rule`` alone, and only this layer takes it."""
    clean = _report([PARA, PARA.replace("125", "126")])
    dirty = _report([PARA, line, PARA.replace("125", "126")])
    doc = STEP(_doc(dirty))
    assert doc.text == "\n".join(clean)
    assert [r.rule for r in doc.removed] == [rule]
    assert OFF(_doc(dirty)).text == "\n".join(dirty)  # no other layer took it


def _assert_glued_run_is_cut(glued: str, rule: str) -> None:
    """``glued`` inside a paragraph is cut by ``rule``, the halves rejoin, the cut is located."""
    at = PARA.index("依法")
    dirty = PARA[:at] + glued + PARA[at:]
    doc = STEP(_doc(_report([dirty])))
    assert doc.text == "\n".join(_report([PARA]))
    assert [(r.rule, r.text) for r in doc.removed] == [(rule, glued)]
    start = doc.removed[0].start
    assert "\n".join(_report([dirty]))[start : start + len(glued)] == glued  # located


@pytest.mark.parametrize("sentence", LEGIT_SENTENCES)
def test_a_report_sentence_carrying_latin_digits_or_symbols_survives_whole(sentence: str) -> None:
    lines = _report([sentence])
    doc = STEP(_doc(lines))
    assert doc.text == "\n".join(lines)


def test_a_table_of_short_cells_and_figures_survives_whole() -> None:
    lines = _report(LEGIT_TABLE)
    assert STEP(_doc(lines)).text == "\n".join(lines)


@pytest.mark.parametrize(
    "line",
    [
        "2023-12-29",
        "0592-5701234",
        "http://www.hlq.gov.cn",
        "sfj@hl.gov.cn",
        "GB/T 19001-2016",
        "APP",
        "Annual Report 2023",
        "——",
    ],
)
def test_a_line_without_han_that_a_report_writes_stays_between_paragraphs(line: str) -> None:
    lines = _report([PARA, line, PARA.replace("125", "126")])
    assert STEP(_doc(lines)).text == "\n".join(lines)


# -- debris that goes -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("4874268", "structure.stray-line"),
        ("ALIOSS:1:dzzbook/book/91149/16680484_16899309.dzzdoc", "structure.stray-line"),
        ('• <tr id="yyy80"></tr>', "structure.markup"),
        ('<tfoot id="yyy80"><noscript id="yyy80"></noscript></tfoot>', "structure.markup"),
        ("&nbsp;&nbsp;&nbsp;", "structure.markup"),
        ("{{ pvCount }}", "structure.markup"),
        ("]]>", "structure.markup"),
        (".TRS_Editor P{margin-top:0;margin-bottom:0;}", "structure.code-line"),
        ("document.write(unescape('%3Cspan'));", "structure.code-line"),
        ("◆◆◆◆◆", "structure.symbol-line"),
        ("•", "structure.symbol-line"),
        ("图片来源：网络", "structure.caption"),
        ("（摄影：张三）", "structure.caption"),
        ("图为执法人员开展安全生产检查", "structure.caption"),
    ],
)
def test_a_debris_line_between_paragraphs_goes_with_its_rule(line: str, rule: str) -> None:
    _assert_line_between_paragraphs_goes(line, rule)


@pytest.mark.parametrize(
    ("glued", "rule"),
    [
        ("ab3Kx", "structure.injected-run"),
        ("x7Qm2", "structure.injected-run"),
        ("xKqZa", "structure.injected-run"),
        ("#@~", "structure.injected-run"),
        ('<span style="color:#ff0000">', "structure.markup"),
        ("&nbsp;", "structure.markup"),
        ("[size=2]", "structure.markup"),
        ("（图片来源：新华社）", "structure.caption"),
    ],
)
def test_a_run_glued_inside_a_paragraph_is_cut_and_the_halves_rejoin(glued: str, rule: str) -> None:
    _assert_glued_run_is_cut(glued, rule)


def test_a_counter_in_the_head_next_to_removed_chrome_goes() -> None:
    lines = ["当前位置：首页 > 政务公开 > 法治政府建设", "4874268", *HEAD, *TAIL]
    assert STEP(_doc(lines)).text == "\n".join([*HEAD, *TAIL])
    # the score layer takes it first; without it, this layer does
    doc = StripBoilerplate(score=False)(_doc(lines))
    assert doc.text == "\n".join([*HEAD, *TAIL])
    assert "structure.stray-line" in [r.rule for r in doc.removed]


def test_a_figure_between_two_short_lines_is_a_table_cell_and_stays() -> None:
    lines = _report(["行政复议案件", "125", "行政诉讼案件"])
    assert STEP(_doc(lines)).text == "\n".join(lines)


def test_the_layer_switches_off_and_the_step_stays_idempotent_and_deterministic() -> None:
    rng = random.Random(7)
    debris = ["4874268", "{{ pvCount }}", "◆◆◆", "图片来源：网络", '<tr id="a"></tr>', "- 3 -"]
    for _ in range(30):
        body = list(_report([PARA, PARA.replace("125", "127")]))
        for _ in range(rng.randint(1, 4)):
            body.insert(rng.randrange(len(body) + 1), rng.choice(debris))
        k = rng.randrange(len(body))
        if len(body[k]) > 12:
            cut = rng.randrange(1, len(body[k]) - 1)
            body[k] = body[k][:cut] + rng.choice(["ab3Kx", "&nbsp;", "<br>"]) + body[k][cut:]
        once = STEP(_doc(body))
        assert STEP(_doc(body)).text == once.text
        twice = STEP(_doc(once.text.split("\n")))
        assert twice.text == once.text and not twice.removed


@pytest.mark.parametrize(
    "token", ["APP", "PPP", "PM2", "H5N1", "iPhone", "WeChatPay", "PowerPoint", "win10", "hlqsfj"]
)
def test_tokens_reports_write_are_not_injections(token: str) -> None:
    assert not anomaly.injected(token, anomaly.default_params())


@pytest.mark.parametrize("token", ["ab3Kx", "k9d8s", "xKqZa", "q1w2e3r4", "#@", "~~##"])
def test_random_runs_are_injections(token: str) -> None:
    assert anomaly.injected(token, anomaly.default_params())


def test_the_thresholds_come_from_the_data_file() -> None:
    p = anomaly.default_params()
    assert (p.prose_chars, p.run_min, p.run_min_switches) == (20, 5, 2)
    assert {r.id for r in anomaly.RULES} >= {"structure.markup", "structure.injected-run"}


def test_inspect_shows_an_injected_run_with_its_rule_and_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = PARA.index("依法")
    text = "\n".join(_report([PARA[:at] + "ab3Kx" + PARA[at:]])) + "\n"
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    assert main(["inspect", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    found = [r for r in result["removals"] if r["rule"] == "structure.injected-run"]
    assert [(r["text"], text[r["start"] : r["start"] + 5]) for r in found] == [("ab3Kx", "ab3Kx")]


# -- session 25: the kinds session 24 left by design -------------------------------------------
#: report sentences and short report lines that carry what the second round's shapes look at —
#: ellipses and dots, 一一, picture/video/QR words, 版 and 页 with figures, credits named in a
#: sentence, code words and quoted names — and must come out whole
LEGIT_SECOND_ROUND = [
    "他激动地说：“我们一定……”",
    "一是……；二是……；三是……。",
    "“小法庭”解决“大问题”………",
    "全面推行“一一对应”的执法责任制。",
    "一一落实整改措施，逐项销号。",
    "详见附件1（第3页）。",
    "本报讯（记者 张三）近日，我市召开法治政府建设推进会。",
    "2023年共发放宣传资料3.2万份，其中图片展板120块，视频资料50部。",
    "在“学习强国”平台发布图片新闻12条、视频8条，点击查看量达到5万余次。",
    "扫描二维码即可查看原图及相关说明材料。",
    "开展“点击查看原图”等网络用语规范使用专项整治。",
    "在《法治日报》第3版刊发我局经验做法，在省级媒体发稿12篇。",
    "修订后的《办法》共5章30条，印发单行本2000册（共48页）。",
    "第一章 总则",
    "1.2.3 工作要求",
    "（一）加强组织领导…………（2）",
    "附件：1. 2023年度法治政府建设工作要点",
    "设置font-family:“宋体”；字号为三号。",
    "系统采用function(x)形式调用接口，document对象由浏览器提供。",
    "开展“法律进社区”活动；",
    "“谁执法谁普法”；",
    "目录管理",
    "目录",
    "普及普通话（pǔtōnghuà）和规范汉字。",
    "活动现场照片由市委宣传部提供，并在官网发布图片报道。",
    "全面采用https协议和xhtml页面规范，政务网站通过email和wifi提供服务。",
    "关注微信公众号hlqsfj或搜索xmsfjgzh小程序，访问fzxcpt网站了解办事指南。",
    "开展yqfk专项检查，使用excel表格和pdf文件报送数据。",
]


@pytest.mark.parametrize("line", LEGIT_SECOND_ROUND)
def test_a_report_line_the_second_round_shapes_look_at_survives_whole(line: str) -> None:
    lines = _report([PARA, line, PARA.replace("125", "126")])
    assert STEP(_doc(lines)).text == "\n".join(lines)


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("第一章 总则………………………………1", "structure.contents-line"),
        ("一、基本情况 .................................. 2", "structure.contents-line"),
        ("附件1 2023年度行政执法统计表··························12", "structure.contents-line"),
        ("第一章 总则 ⋯⋯⋯⋯⋯⋯ 1", "structure.contents-line"),
        ("目录（重要提示：请以正式文件为准）……", "structure.contents-line"),
        ("（下转第2版）", "structure.page-mark"),
        ("(紧接A3版)", "structure.page-mark"),
        ("（此页无正文）", "structure.page-mark"),
        ("[图片]", "structure.media-placeholder"),
        ("【二维码】", "structure.media-placeholder"),
        ("[图片][图片]", "structure.media-placeholder"),
        ("点击图片查看原图", "structure.media-placeholder"),
        ("图片加载中...", "structure.media-placeholder"),
        ("此处为图片", "structure.media-placeholder"),
        ("一一一一一一一一", "structure.han-separator"),
        ("丨丨丨丨", "structure.han-separator"),
        ("（受访者供图）", "structure.caption"),
        ("视觉中国供图", "structure.caption"),
        ("新华社发（李明 摄）", "structure.caption"),
        ("题图：视觉中国", "structure.caption"),
        ('var title = "法治政府建设";', "structure.code-line"),
        ("var title = “法治政府建设”；", "structure.code-line"),
        ("document.write（“浏览次数：”）；", "structure.code-line"),
        ("font-family:“微软雅黑”；", "structure.code-line"),
    ],
)
def test_a_second_round_debris_line_between_paragraphs_goes_with_its_rule(
    line: str, rule: str
) -> None:
    _assert_line_between_paragraphs_goes(line, rule)


@pytest.mark.parametrize(
    ("glued", "rule"),
    [
        ("[图片]", "structure.media-placeholder"),
        ("【图片】", "structure.media-placeholder"),
        ("［视频］", "structure.media-placeholder"),
        ("（受访者供图）", "structure.caption"),
        ("（资料图片）", "structure.caption"),
        ("（市公安局供图）", "structure.caption"),
    ],
)
def test_a_second_round_placeholder_glued_in_a_paragraph_is_cut_and_the_halves_rejoin(
    glued: str, rule: str
) -> None:
    _assert_glued_run_is_cut(glued, rule)


def test_a_contents_heading_goes_with_the_contents_lines_below_it_and_stays_alone() -> None:
    contents = ["目  录", "一、主要工作……………………2", "二、存在问题……………………5"]
    doc = STEP(_doc([*HEAD, *contents, *TAIL]))
    assert doc.text == "\n".join([*HEAD, *TAIL])
    assert {r.rule for r in doc.removed} == {"structure.contents-line"}
    alone = _report([PARA, "目  录", PARA.replace("125", "126")])
    assert STEP(_doc(alone)).text == "\n".join(alone)


@pytest.mark.parametrize(
    ("line", "is_contents"),
    [
        ("第一章 总则……1", True),  # the typography step folds a longer leader into ……
        ("1.2 主要做法 ........ 3", True),
        ("Chapter 1 ........ 3", True),
        ("目录……", True),
        ("他说……", False),  # a quotation trailing off: no number, no 目录
        ("增长……", False),
        ("他说：……1", False),  # the heading ends like a clause
        ("一是……；二是……", False),
        ("2023.12.29", False),
        ("……1", False),  # no heading
    ],
)
def test_a_contents_line_is_a_heading_a_leader_and_a_page_number(
    line: str, is_contents: bool
) -> None:
    assert anomaly.contents_line(line, anomaly.default_params()) is is_contents


def test_the_second_round_forms_left_by_the_typography_step_go_in_the_pipeline() -> None:
    """Through the per-document pipeline: typography folds a dot leader without a number
    into …… and turns the quotes and the ; of a code line around Han full width."""
    from lawrpt_corpus import default_pipeline

    dirty = [
        "目录(重要提示:不同地区政策略有不同,请注意校对当地政策)" + "." * 60,
        *HEAD,
        'var title = "法治政府建设年度报告";',
        *TAIL,
    ]
    doc = Document.from_bytes("r.txt", "\n".join(dirty).encode("utf-8"))
    for step in default_pipeline().steps:
        doc = step(doc)
        if isinstance(step, StripBoilerplate):  # the last step that matters here
            break
    rules = {r.rule for r in doc.removed}
    assert {"structure.contents-line", "structure.code-line"} <= rules
    assert "目录" not in doc.text and "var title" not in doc.text


def test_the_second_round_kinds_leave_the_step_idempotent() -> None:
    rng = random.Random(25)
    debris = [
        "第一章 总则……………………1",
        "（下转第2版）",
        "[图片]",
        "点击查看大图",
        "一一一一一一",
        "（受访者供图）",
        "font-family:“微软雅黑”；",
        "目 录",
    ]
    for _ in range(30):
        body = list(_report([PARA, PARA.replace("125", "127")]))
        for _ in range(rng.randint(1, 5)):
            body.insert(rng.randrange(len(body) + 1), rng.choice(debris))
        k = rng.randrange(len(body))
        if len(body[k]) > 12:
            cut = rng.randrange(1, len(body[k]) - 1)
            body[k] = body[k][:cut] + rng.choice(["[图片]", "（资料图片）"]) + body[k][cut:]
        once = STEP(_doc(body))
        assert STEP(_doc(body)).text == once.text
        twice = STEP(_doc(once.text.split("\n")))
        assert twice.text == once.text and not twice.removed


def test_inspect_shows_a_contents_line_and_a_glued_placeholder_with_their_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = PARA.index("依法")
    lines = _report([PARA[:at] + "[图片]" + PARA[at:], "第一章 总则……………………1", PARA])
    text = "\n".join(lines) + "\n"
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    assert main(["inspect", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    found = {
        r["rule"]: (r["text"], text[r["start"] : r["start"] + len(r["text"])])
        for r in result["removals"]
        if r["rule"] in ("structure.media-placeholder", "structure.contents-line")
    }
    assert found["structure.media-placeholder"] == ("[图片]", "[图片]")
    assert found["structure.contents-line"][0].startswith("第一章 总则")
    assert found["structure.contents-line"][1] == found["structure.contents-line"][0]


@pytest.mark.parametrize("glued", ["sdfkjh", "qwrtzpx", "mnbvcxz"])
def test_lower_case_consonants_glued_inside_a_word_are_cut(glued: str) -> None:
    at = PARA.index("纠正")  # between 法 and 纠: no account word near
    dirty = PARA[:at] + glued + PARA[at:]
    doc = STEP(_doc(_report([dirty])))
    assert doc.text == "\n".join(_report([PARA]))
    assert [(r.rule, r.text) for r in doc.removed] == [("structure.injected-lower", glued)]


@pytest.mark.parametrize("token", ["https", "xhtml", "fazhi", "excel", "sfj"])
def test_lower_case_words_a_report_writes_are_not_filler(token: str) -> None:
    """Five consonants or fewer, or a vowel (an English word, a pinyin syllable)."""
    text = f"依法{token}纠正"
    assert not anomaly.lower_injected(text, 2, 2 + len(token), anomaly.default_params())


@pytest.mark.parametrize("text", ["关注公众号hlqsfj纠正", "依法hlqsfj网站", "搜索hlqsfj纠正"])
def test_pinyin_initials_by_an_account_or_site_word_are_not_filler(text: str) -> None:
    a = text.index("h")
    p = anomaly.default_params()
    assert not anomaly.lower_injected(text, a, a + 6, p)
    bare = "依法hlqsfj纠正"  # the same run with no such word near: read as filler (a limit)
    assert anomaly.lower_injected(bare, 2, 8, p)


def test_a_photo_credit_set_off_by_spaces_is_cut_mid_sentence() -> None:
    at = PARA.index("纠正")
    glued = "新华社记者 刘彬 摄"
    dirty = PARA[:at] + glued + PARA[at:]
    doc = STEP(_doc(_report([dirty])))
    assert doc.text == "\n".join(_report([PARA]))
    assert [(r.rule, r.text) for r in doc.removed] == [("structure.caption", glued)]
    for prose in ("组织记者 王五 摄制专题片2部。", "由通讯员王某拍摄活动现场。"):
        lines = _report([PARA, prose, PARA])
        assert STEP(_doc(lines)).text == "\n".join(lines)
