"""Evaluation of the assistant: golden questions, NTREX-128 benchmark, ranx metrics and reports."""
