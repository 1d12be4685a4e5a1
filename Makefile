# The commands of README.md. Each runs the idempotent set-up first.
.PHONY: setup test demo lint bench

setup:
	@bash scripts/setup.sh

test: setup
	@bash scripts/setup-browser.sh
	cargo test --workspace
	cargo test --test it serve::browser -- --ignored

demo: setup
	@bash scripts/demo.sh

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
