# The commands of README.md. Each runs the idempotent set-up first.
.PHONY: setup test demo lint bench

setup:
	@bash scripts/setup.sh

test: setup
	cargo test --workspace

demo: setup
	@bash scripts/demo.sh

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
