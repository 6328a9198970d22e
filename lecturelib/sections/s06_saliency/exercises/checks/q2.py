OK_FORMAT = True

test = {
    "name": "q2",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s06_saliency.exercises import solutions as nb06\n>>> nb06.q2_ok(max_saliency)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: max_saliency(model, images) should return, for each image, the gradient of its largest logit (model(x).max(1)) with respect to the images, shaped like them. Use torch.autograd.grad on a copy of the images that requires grad.",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
