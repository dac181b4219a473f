# The two commands of README.md, and the pieces they are made of.
.PHONY: demo notebook test check docs bench clean

demo:  ## set up .venv and serve the demos of the shipped models on http://127.0.0.1:7860
	scripts/setup.sh demos
	.venv/bin/annotated demo

notebook:  ## set up .venv and open the walk-through as a marimo notebook on 127.0.0.1
	scripts/setup.sh notebook
	.venv/bin/annotated notebook

test:  ## set up everything and pass every gate (what CI runs)
	scripts/test.sh

check:  ## the fast lane only: pytest's default selection
	scripts/setup.sh test,docs,demos,notebook
	.venv/bin/python -m pytest -n 2

docs:  ## build the site into docs/_build/html (gallery executed, warnings are errors)
	scripts/setup.sh test,docs,demos,notebook
	docs/build.sh

bench:  ## every benchmark, into benchmarks/results.json
	scripts/setup.sh test,docs,demos,notebook
	.venv/bin/python benchmarks/run_all.py

clean:
	rm -rf .venv .tox build dist docs/_build docs/_generated docs/auto_examples docs/gen_modules artifacts runs
