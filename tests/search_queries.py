"""What readers type into the search box, and the page that must be among the first three results.

Pattern names, the other names a pattern goes by, and the problems it solves. Make pages
findable (the "Also known as" line, the intent, the problem section) rather than editing this
table to match what search happens to return.
"""

FACTORY_METHOD = "/creational/factory-method/"
ABSTRACT_FACTORY = "/creational/abstract-factory/"

QUERIES: list[tuple[str, str]] = [
    ("factory method", FACTORY_METHOD),
    ("virtual constructor", FACTORY_METHOD),
    ("alternative constructor", FACTORY_METHOD),
    ("classmethod constructor", FACTORY_METHOD),
    ("let subclasses decide which class to create", FACTORY_METHOD),
    ("load config from toml json or ini", FACTORY_METHOD),
    ("abstract factory", ABSTRACT_FACTORY),
    ("kit", ABSTRACT_FACTORY),
    ("families of related objects", ABSTRACT_FACTORY),
    ("render report as html or markdown", ABSTRACT_FACTORY),
    ("multiprocessing get_context", ABSTRACT_FACTORY),
]
