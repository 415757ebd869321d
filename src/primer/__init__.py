"""primer: sourced article summaries in YAML → explainer site, quizzes, handouts and exports."""

__version__ = "0.1.0"
