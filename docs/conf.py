"""Sphinx configuration for the annotated docs.

Build with ``docs/build.sh`` (it installs MathJax from npm first). Everything the site shows
is local: MathJax is served from ``_static/mathjax`` (copied there from npm by the build
script, never committed), the theme ships its own fonts and icons, and there is no
intersphinx. ``ANNOTATED_GALLERY=<regex>`` runs only the gallery examples whose path matches
(the others are shown without output), for fast iteration.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT))

from annotated_docs import write_api_index  # noqa: E402

import annotated  # noqa: E402

# -- Project -----------------------------------------------------------------------------
project = "annotated"
author = "The annotated developers"
copyright = "the annotated developers, MIT licence"
release = version = annotated.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_copybutton",
    "sphinx_design",
    "sphinx_gallery.gen_gallery",
    "annotated_docs",
]

templates_path = ["_templates"]
# sphinx-gallery's timing pages load DataTables from a CDN: keep their .rst (the docs test reads
# the times from it) but leave them out of the site.
exclude_patterns = [
    "_build",
    "_ext",
    "_templates",
    "**/README.txt",
    "gen_modules",
    "sg_execution_times.rst",
    "**/sg_execution_times.rst",
]
root_doc = "index"

# -- API pages: generated from annotated.__all__ -------------------------------------------
write_api_index(DOCS)
autosummary_generate = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
viewcode_follow_imported_members = True
add_module_names = False

# -- Math: MathJax 3 from the built site, never a CDN ---------------------------------------
MATHJAX_DIR = DOCS / "_static" / "mathjax"
if not (MATHJAX_DIR / "tex-mml-chtml.js").is_file():
    raise RuntimeError(
        f"MathJax is missing from {MATHJAX_DIR}: run docs/build.sh, which installs it "
        "with `npm install mathjax@3` (the site never loads it from a CDN)"
    )
mathjax_path = "mathjax/tex-mml-chtml.js"
mathjax3_config = {"options": {"enableMenu": False}}

# -- HTML ------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"annotated {release}"
html_static_path = ["_static"]
html_css_files = ["annotated.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    "navbar_align": "left",
    "navbar_end": ["theme-switcher"],
    "header_links_before_dropdown": 4,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sg_download_links", "sg_launcher_links"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "navigation_with_keys": False,
    "show_prev_next": True,
}
# the left sidebar only where there is a section to navigate: "*" matches the top-level
# pages, not api/... or auto_examples/...
html_sidebars = {"*": []}
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_exclude = ".linenos, .gp, .go"
pygments_style = "sphinx"

# -- Gallery -----------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["../gallery"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": os.environ.get("ANNOTATED_GALLERY", r"/plot_"),
    "subsection_order": [
        f"../gallery/{name}" if name != "*" else name
        for name in (
            "components",
            "positional",
            "model",
            "training",
            "decoding",
            "gpt",
            "ladder",
            "break_it",
            "*",
        )
    ],
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("annotated",),
    "backreferences_dir": "gen_modules/backreferences",
    "inspect_global_variables": True,
    "remove_config_comments": True,
    "download_all_examples": False,
    "min_reported_time": 0,
    "show_memory": False,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "junit": str(ROOT / "artifacts" / "sphinx-gallery" / "junit.xml"),
    "matplotlib_animations": False,
    "thumbnail_size": (400, 280),
}
