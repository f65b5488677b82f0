"""Shared test helpers (not tests): a fake Hub, a headless browser driver, the small test
pipeline (demo_steps), reference implementations kept as oracles (boilerplate_reference),
labeled data loaders, and the fuzz input strategies. Benchmarks import these too; nothing
here imports a test module."""
