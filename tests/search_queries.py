"""What readers type into the search box, and the page that must be among the first three results.

Two tables. `QUERIES` is ours: pattern names, the other names a pattern goes by, and the
problems it solves; every new page adds its queries here. `READER_QUERIES` (reader_queries.tsv)
was written by reviewers who saw only the list of patterns and the problems they solve, never
the pages: names, other names, everyday problems, library names and error messages. A query
that fits two pages lists both. Make pages findable rather than editing either table to match
what search happens to return; a query a reader would type stays, even while it fails.
"""

from pathlib import Path


def page(family: str, name: str) -> str:
    return f"/{family}/{name}/"


FACTORY_METHOD = page("creational", "factory-method")
ABSTRACT_FACTORY = page("creational", "abstract-factory")
BUILDER = page("creational", "builder")
PROTOTYPE = page("creational", "prototype")
SINGLETON = page("creational", "singleton")
OBJECT_POOL = page("creational", "object-pool")
ADAPTER = page("structural", "adapter")
DECORATOR = page("structural", "decorator")
BRIDGE = page("structural", "bridge")
FACADE = page("structural", "facade")
FLYWEIGHT = page("structural", "flyweight")
MVC = page("architecture", "model-view-controller")
PROXY = page("structural", "proxy")
COMPOSITE = page("structural", "composite")
CHAIN = page("behavioral", "chain-of-responsibility")
COMMAND = page("behavioral", "command")
OBSERVER = page("behavioral", "observer")
STATE = page("behavioral", "state")
INTERPRETER = page("behavioral", "interpreter")
STRATEGY = page("behavioral", "strategy")
MEMENTO = page("behavioral", "memento")
ITERATOR = page("behavioral", "iterator")
TEMPLATE_METHOD = page("behavioral", "template-method")
VISITOR = page("behavioral", "visitor")
MEDIATOR = page("behavioral", "mediator")
REACTIVE = page("reactive", "observer-reactive")
MICROSERVICES = page("architecture", "microservices")
RETRY = page("cloud", "retry")
CIRCUIT_BREAKER = page("cloud", "circuit-breaker")
CACHE_ASIDE = page("cloud", "cache-aside")
THROTTLING = page("cloud", "throttling")
BULKHEAD = page("cloud", "bulkhead")
THREAD_POOL = page("concurrency", "thread-pool")
WORKER_MODEL = page("concurrency", "worker-model")
FUTURE_PROMISE = page("concurrency", "future-promise")
STRUCTURED_CONCURRENCY = page("concurrency", "structured-concurrency")
MEMOIZATION = page("performance", "memoization")
LAZY_LOADING = page("performance", "lazy-loading")
EVENT_SOURCING = page("architecture", "event-sourcing")
DESIGN_PRINCIPLES = page("principles", "design-principles")
SOLID = page("principles", "solid")
ANTI_PATTERNS = page("principles", "anti-patterns")
MOCK_OBJECT = page("testing", "mock-object")
DEPENDENCY_INJECTION = page("testing", "dependency-injection")

CHOOSE = "/choose/"
CHEAT_SHEET = "/cheat-sheet/"

QUERIES: list[tuple[str, str]] = [
    # finding one's way
    ("which pattern to use", CHOOSE),
    ("choose a design pattern", CHOOSE),
    ("relationship map", CHOOSE),
    ("cheat sheet", CHEAT_SHEET),
    ("quick reference", CHEAT_SHEET),
    # creational
    ("factory method", FACTORY_METHOD),
    ("virtual constructor", FACTORY_METHOD),
    ("alternative constructor", FACTORY_METHOD),
    ("subclass decides what to create", FACTORY_METHOD),
    ("load config from toml json or ini", FACTORY_METHOD),
    ("abstract factory", ABSTRACT_FACTORY),
    ("kit", ABSTRACT_FACTORY),
    ("families of related objects", ABSTRACT_FACTORY),
    ("html or markdown report", ABSTRACT_FACTORY),
    ("widget factory", ABSTRACT_FACTORY),
    ("builder", BUILDER),
    ("fluent interface", BUILDER),
    ("step by step object construction", BUILDER),
    ("telescoping constructor", BUILDER),
    ("prototype", PROTOTYPE),
    ("clone object", PROTOTYPE),
    ("copy vs deepcopy", PROTOTYPE),
    ("shallow copy shared list", PROTOTYPE),
    ("singleton", SINGLETON),
    ("only one instance", SINGLETON),
    ("borg shared state", SINGLETON),
    ("thread-safe lazy initialization", SINGLETON),
    ("object pool", OBJECT_POOL),
    ("connection pool", OBJECT_POOL),
    ("reuse expensive objects", OBJECT_POOL),
    ("pool exhausted timeout", OBJECT_POOL),
    # structural
    ("adapter", ADAPTER),
    ("wrapper", ADAPTER),
    ("wrap third-party SDK interface", ADAPTER),
    ("object adapter vs class adapter", ADAPTER),
    ("decorator", DECORATOR),
    ("functools.wraps decorator with arguments", DECORATOR),
    ("decorator stacking order", DECORATOR),
    ("bridge", BRIDGE),
    ("subclass explosion", BRIDGE),
    ("separate abstraction from implementation", BRIDGE),
    ("facade", FACADE),
    ("simplify complex subsystem", FACADE),
    ("single entry point", FACADE),
    ("flyweight", FLYWEIGHT),
    ("save memory many objects", FLYWEIGHT),
    ("intrinsic extrinsic state", FLYWEIGHT),
    ("sys.intern", FLYWEIGHT),
    ("MVC", MVC),
    ("model view controller", MVC),
    ("separate presentation from business logic", MVC),
    ("proxy", PROXY),
    ("virtual proxy", PROXY),
    ("access control by role", PROXY),
    ("remote proxy", PROXY),
    ("composite", COMPOSITE),
    ("tree of objects treat uniformly", COMPOSITE),
    ("part-whole hierarchy", COMPOSITE),
    # behavioural
    ("chain of responsibility", CHAIN),
    ("middleware pipeline", CHAIN),
    ("expense approval", CHAIN),
    ("command", COMMAND),
    ("undo", COMMAND),
    ("redo", COMMAND),
    ("macro command", COMMAND),
    ("observer", OBSERVER),
    ("publish subscribe", OBSERVER),
    ("event listener callback", OBSERVER),
    ("state machine", STATE),
    ("order workflow", STATE),
    ("illegal transition", STATE),
    ("interpreter", INTERPRETER),
    ("rule engine", INTERPRETER),
    ("recursive descent parser", INTERPRETER),
    ("safe alternative to eval", INTERPRETER),
    ("strategy", STRATEGY),
    ("swap algorithm at runtime", STRATEGY),
    ("shipping cost calculation", STRATEGY),
    ("memento", MEMENTO),
    ("snapshot restore state", MEMENTO),
    ("undo history limit", MEMENTO),
    ("iterator", ITERATOR),
    ("lazy pagination", ITERATOR),
    ("generator yield", ITERATOR),
    ("template method", TEMPLATE_METHOD),
    ("hook methods", TEMPLATE_METHOD),
    ("algorithm skeleton", TEMPLATE_METHOD),
    ("visitor", VISITOR),
    ("double dispatch", VISITOR),
    ("ast.NodeVisitor", VISITOR),
    ("mediator", MEDIATOR),
    ("form widgets enable disable each other", MEDIATOR),
    ("event bus", MEDIATOR),
    # reactive
    ("reactive programming", REACTIVE),
    ("observable", REACTIVE),
    ("debounce type-ahead search", REACTIVE),
    ("hot vs cold observable", REACTIVE),
    # cloud
    ("microservices", MICROSERVICES),
    ("database per service", MICROSERVICES),
    ("contract test between services", MICROSERVICES),
    ("health check endpoint", MICROSERVICES),
    ("retry", RETRY),
    ("retry with backoff", RETRY),
    ("exponential backoff jitter", RETRY),
    ("transient errors", RETRY),
    ("circuit breaker", CIRCUIT_BREAKER),
    ("fail fast", CIRCUIT_BREAKER),
    ("half-open state", CIRCUIT_BREAKER),
    ("cache aside", CACHE_ASIDE),
    ("cache invalidation after write", CACHE_ASIDE),
    ("ttl cache", CACHE_ASIDE),
    ("rate limit", THROTTLING),
    ("token bucket", THROTTLING),
    ("429 too many requests", THROTTLING),
    ("sliding window rate limiter", THROTTLING),
    ("load shedding by priority", THROTTLING),
    ("concurrency limit", THROTTLING),
    ("outbox", MICROSERVICES),
    ("correlation id", MICROSERVICES),
    ("bulkhead", BULKHEAD),
    ("cache stampede", CACHE_ASIDE),
    # principles
    ("design principles", DESIGN_PRINCIPLES),
    ("composition over inheritance", DESIGN_PRINCIPLES),
    ("program to an interface", DESIGN_PRINCIPLES),
    ("encapsulate what varies", DESIGN_PRINCIPLES),
    ("loose coupling", DESIGN_PRINCIPLES),
    ("solid principles", SOLID),
    ("liskov substitution", SOLID),
    ("single responsibility principle", SOLID),
    ("open closed principle", SOLID),
    ("interface segregation", SOLID),
    ("anti-patterns", ANTI_PATTERNS),
    ("mutable default argument", ANTI_PATTERNS),
    ("late binding closure", ANTI_PATTERNS),
    ("bare except", ANTI_PATTERNS),
    ("eafp", ANTI_PATTERNS),
    # testing
    ("mock object", MOCK_OBJECT),
    ("unittest.mock", MOCK_OBJECT),
    ("create_autospec", MOCK_OBJECT),
    ("where to patch", MOCK_OBJECT),
    ("test double", MOCK_OBJECT),
    ("dependency injection", DEPENDENCY_INJECTION),
    ("constructor injection", DEPENDENCY_INJECTION),
    ("composition root", DEPENDENCY_INJECTION),
    ("fastapi depends", DEPENDENCY_INJECTION),
    ("di container", DEPENDENCY_INJECTION),
    # concurrency
    ("thread pool", THREAD_POOL),
    ("ThreadPoolExecutor map vs submit", THREAD_POOL),
    ("as_completed", THREAD_POOL),
    ("cancel_futures", THREAD_POOL),
    ("max_workers default", THREAD_POOL),
    ("producer consumer", WORKER_MODEL),
    ("task_done join", WORKER_MODEL),
    ("poison pill sentinel", WORKER_MODEL),
    ("queue maxsize back-pressure", WORKER_MODEL),
    ("Queue.shutdown", WORKER_MODEL),
    ("future and promise", FUTURE_PROMISE),
    ("wrap_future", FUTURE_PROMISE),
    ("call_soon_threadsafe", FUTURE_PROMISE),
    ("run_coroutine_threadsafe", FUTURE_PROMISE),
    ("Future exception was never retrieved", FUTURE_PROMISE),
    ("structured concurrency", STRUCTURED_CONCURRENCY),
    ("TaskGroup", STRUCTURED_CONCURRENCY),
    ("Task exception was never retrieved", STRUCTURED_CONCURRENCY),
    ("ExceptionGroup", STRUCTURED_CONCURRENCY),
    ("asyncio.timeout", STRUCTURED_CONCURRENCY),
    # performance
    ("memoization", MEMOIZATION),
    ("lru_cache cache_info", MEMOIZATION),
    ("unhashable type list", MEMOIZATION),
    ("memoize recursive function", MEMOIZATION),
    ("lazy loading", LAZY_LOADING),
    ("cached_property", LAZY_LOADING),
    ("PEP 562", LAZY_LOADING),
    ("deferred import", LAZY_LOADING),
    ("LazyLoader", LAZY_LOADING),
    # architecture
    ("event sourcing", EVENT_SOURCING),
    ("event store sqlite", EVENT_SOURCING),
    ("expected version optimistic concurrency", EVENT_SOURCING),
    ("projection read model", EVENT_SOURCING),
    ("append-only event log", EVENT_SOURCING),
    # cloud
    ("thread pool starvation", BULKHEAD),
    ("isolate a slow dependency", BULKHEAD),
    ("httpx PoolTimeout", BULKHEAD),
]


def reader_queries() -> list[tuple[str, tuple[str, ...]]]:
    """`query<TAB>/page/[,/other/]` lines, as the reviewers wrote them."""
    table = []
    for number, line in enumerate(
        (Path(__file__).parent / "reader_queries.tsv").read_text(encoding="utf-8").splitlines(), 1
    ):
        query, _, pages = line.partition("\t")
        if not query.strip() or not pages.startswith("/"):
            raise ValueError(f"reader_queries.tsv:{number}: write `query<TAB>/page/`, not {line!r}")
        table.append((query, tuple(pages.split(","))))
    return table


READER_QUERIES = reader_queries()
