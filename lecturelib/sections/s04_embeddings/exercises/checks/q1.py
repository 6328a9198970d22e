OK_FORMAT = True

test = {
    "name": "q1",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s04_embeddings.exercises import solutions as nb04\n"
                    ">>> nb04.q1_ok(tsne_input_dims)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: a single whole number. E.embed runs something on the features before t-SNE when they have many dimensions; its docstring says what and to how many.",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
