"""The toy classification problem of SPEC section 6: 2-D datasets, the classifiers of
seed 001 (softmax, svm, 2-layer mlp) with hand-written backprop, weight penalties, and
``ClassificationProblem``, which the engine steps like any other objective.

NumPy and the standard library only.
"""

from .datasets import DATASETS, Dataset, DatasetRecord, make_dataset
from .models import FEATURES, MODELS, Model, ModelRecord, make_model
from .problem import PROBLEM_HYPERS, ClassificationProblem, DecisionGrid, make_problem
from .regularizers import REGULARIZERS, Regularizer, RegularizerRecord, make_regularizer

__all__ = [
    "DATASETS",
    "FEATURES",
    "MODELS",
    "PROBLEM_HYPERS",
    "REGULARIZERS",
    "ClassificationProblem",
    "Dataset",
    "DatasetRecord",
    "DecisionGrid",
    "Model",
    "ModelRecord",
    "Regularizer",
    "RegularizerRecord",
    "make_dataset",
    "make_model",
    "make_problem",
    "make_regularizer",
]
