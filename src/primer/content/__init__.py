"""The content model (`models`), and how a lesson's files are read (`load`) and checked (`library`)."""

#: The folders of a lesson that primer reads files from (the kinds' folders and the lesson's templates).
LESSON_FOLDERS = frozenset({"questions", "sources", "templates", "topics"})
