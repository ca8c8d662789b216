"""Building the trained reader (issue 26): its examples, its training, its int8 ONNX file and model card.

Above evaluation in the layers: it reads question sets through `assistant.evaluation` and retrieves through the same
`Runtime` the CLI uses, so it learns from the passages the answerer will actually read. Answering never imports it.
"""
