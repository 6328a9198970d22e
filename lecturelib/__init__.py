"""lecturelib: the library behind the Under-the-Hood workbook.

Importing the package itself is light (no torch): a notebook's install cell reads
``__version__`` before anything heavy loads. pyproject.toml reads the version from here.
"""

__version__ = "0.2.0"
#: The canonical repository: install lines, badges and CITATION.cff point here.
REPOSITORY = "https://github.com/epfl-ee559/under-the-hood"
