"""The ways in: the CLI, the JSON HTTP API, the Gradio page's server, access control and rendering.

Everything here calls down into answering (`assistant`) and evaluation (`assistant.evaluation.runner`); nothing below
imports from here.
"""
