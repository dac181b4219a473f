"""The annotated demos: ``python demos/app.py`` (or ``annotated demo``) and open the printed URL.

The app itself is :mod:`annotated.demo`, inside the package, so the command line and the
Hugging Face Space run the same code; this file is the conventional entry point, with the
module-level ``demo`` that ``gradio demos/app.py`` (reload mode) looks for. Building it
loads no model: each tab loads its trained model on first use.
"""

from annotated.demo import build_demo

demo = build_demo()

if __name__ == "__main__":
    demo.launch()
