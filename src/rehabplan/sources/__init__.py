"""Files -> validated models: safe reading, YAML with line numbers, CSV rows, the clinic config
(and its cache), the exercise library and protocol layers, patient files."""
