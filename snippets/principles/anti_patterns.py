"""Anti-patterns: ten traps of an online shop, each shown failing, then fixed.

Run it with `python -m snippets.principles.anti_patterns`.

The traps are here on purpose: `snippets/ruff.toml` switches off, for this file
only, the rules that catch them, so the page can show each rule catching its trap.
"""

# --8<-- [start:imports]
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

# --8<-- [end:imports]


# --8<-- [start:mutable-default]
def add_to_cart_shared(sku: str, cart: list[str] = []) -> list[str]:
    """Add `sku` to `cart`, or to "a new cart" (the same list on every call)."""
    cart.append(sku)
    return cart


# --8<-- [end:mutable-default]


# --8<-- [start:mutable-default-fix]
def add_to_cart(sku: str, cart: list[str] | None = None) -> list[str]:
    """Add `sku` to `cart`, or to a new cart made for this call."""
    if cart is None:
        cart = []
    cart.append(sku)
    return cart


# --8<-- [end:mutable-default-fix]


# --8<-- [start:late-binding]
def vat_rules_late(
    rates: Mapping[str, Decimal],
) -> dict[str, Callable[[Decimal], Decimal]]:
    """One VAT function per country, each a lambda that reads `rate` when called."""
    rules: dict[str, Callable[[Decimal], Decimal]] = {}
    for country, rate in rates.items():
        rules[country] = lambda net: net * rate
    return rules


# --8<-- [end:late-binding]


# --8<-- [start:late-binding-fix]
def vat_at(rate: Decimal) -> Callable[[Decimal], Decimal]:
    """A VAT function whose rate is bound now, as the argument of this call."""
    return lambda net: net * rate


def vat_rules(
    rates: Mapping[str, Decimal],
) -> dict[str, Callable[[Decimal], Decimal]]:
    """One VAT function per country, each with its own rate."""
    return {country: vat_at(rate) for country, rate in rates.items()}


# --8<-- [end:late-binding-fix]


# --8<-- [start:is-literal]
def outcome_by_identity(status_line: str) -> str:
    """Classify an HTTP status line such as "HTTP/1.1 404 Not Found", with `is`."""
    status = int(status_line.split()[1])
    if status is 200:
        return "ok"
    if status is 404:
        return "not found"
    return "server trouble"


# --8<-- [end:is-literal]


# --8<-- [start:is-literal-fix]
def outcome(status_line: str) -> str:
    """Classify an HTTP status line by the value of its status code."""
    status = int(status_line.split()[1])
    if status == 200:
        return "ok"
    if status == 404:
        return "not found"
    return "server trouble"


# --8<-- [end:is-literal-fix]


# --8<-- [start:type-comparison]
class OrderStatus(StrEnum):
    """Order states: each member is a `str`, as `StrEnum` makes it."""

    PAID = "paid"
    SHIPPED = "shipped"


def csv_cell_by_type(value: object) -> str:
    """One cell of an order export, chosen by comparing `type(value)`."""
    if type(value) == str:
        return value
    if type(value) == Decimal:
        return f"{value:.2f}"
    raise TypeError(f"cannot export {type(value).__name__} values")


# --8<-- [end:type-comparison]


# --8<-- [start:type-comparison-fix]
def csv_cell(value: object) -> str:
    """One cell of an order export; subclasses of `str` and `Decimal` count too."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    raise TypeError(f"cannot export {type(value).__name__} values")


# --8<-- [end:type-comparison-fix]


# --8<-- [start:bare-except]
def read_port_bare(settings: Mapping[str, str]) -> int:
    """The `port` setting; anything at all that goes wrong gives 8080."""
    try:
        return int(settings["port"])
    except:
        return 8080


def read_workers_quietly(settings: Mapping[str, str]) -> int:
    """The `workers` setting; any `Exception` on the way gives 4."""
    try:
        return int(settings["workers"])
    except Exception:
        return 4


# --8<-- [end:bare-except]


# --8<-- [start:bare-except-fix]
def read_int(settings: Mapping[str, str], key: str, default: int) -> int:
    """The setting `key` as a whole number; `default` only when it is absent."""
    raw = settings.get(key)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(
            f"setting {key!r} must be a whole number, got {raw!r}"
        ) from None


# --8<-- [end:bare-except-fix]


# --8<-- [start:lbyl]
def read_invoice_lbyl(
    path: Path, meanwhile: Callable[[], object] = lambda: None
) -> str:
    """Check that the invoice file exists, then open it: two steps, with a gap."""
    if not os.path.exists(path):
        return "not issued yet"
    meanwhile()  # stands for whatever else runs in the gap
    with open(path, encoding="utf-8") as file:
        return file.read()


# --8<-- [end:lbyl]


# --8<-- [start:eafp]
def read_invoice(path: Path) -> str:
    """Open the invoice file; opening it is the check."""
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except FileNotFoundError:
        return "not issued yet"


# --8<-- [end:eafp]


# --8<-- [start:global-state]
CURRENCY = "EUR"


def use_currency(code: str) -> None:
    """Switch the currency of every price label, everywhere, from now on."""
    global CURRENCY
    CURRENCY = code


def price_label_global(amount: Decimal) -> str:
    """A price with the currency read from the module's global."""
    return f"{amount:.2f} {CURRENCY}"


# --8<-- [end:global-state]


# --8<-- [start:explicit-state]
@dataclass(frozen=True)
class ShopSettings:
    """The settings a shop runs with, passed to whoever needs them."""

    currency: str = "EUR"


def price_label(amount: Decimal, settings: ShopSettings) -> str:
    """A price with the currency of the settings it is given."""
    return f"{amount:.2f} {settings.currency}"


# --8<-- [end:explicit-state]


# --8<-- [start:protected]
class Invoice:
    """Invoice lines, and their total, computed when first asked for."""

    def __init__(self, number: str) -> None:
        self.number = number
        self._amounts: list[Decimal] = []
        self._total: Decimal | None = None  # a cache, not the total

    def add_line(self, amount: Decimal) -> None:
        self._amounts.append(amount)
        self._total = None  # the cached total is stale now

    @property
    def total(self) -> Decimal:
        if self._total is None:
            self._total = sum(self._amounts, Decimal("0.00"))
        return self._total


# --8<-- [end:protected]


# --8<-- [start:god-object]
CENT = Decimal("0.01")
PRICES = {"DESK": Decimal("240.00"), "LAMP": Decimal("35.00")}
COUPONS = {"WELCOME10": Decimal("10.00")}


class OrderManager:
    """Carts, coupons, prices, VAT, stock, payment, mail and reports, in one class."""

    def __init__(
        self,
        prices: Mapping[str, Decimal],
        coupons: Mapping[str, Decimal],
        vat_rate: Decimal,
        stock: dict[str, int],
        charge_card: Callable[[str, Decimal], str],
        send_mail: Callable[[str, str], None],
    ) -> None:
        self.prices, self.coupons, self.vat_rate = prices, coupons, vat_rate
        self.stock, self.charge_card, self.send_mail = stock, charge_card, send_mail
        self.carts: dict[str, list[str]] = {}
        self.discount = Decimal(0)  # written by apply_coupon, read by quote
        self.sales: list[Decimal] = []

    def add_item(self, customer: str, sku: str) -> None:
        self.carts.setdefault(customer, []).append(sku)

    def remove_item(self, customer: str, sku: str) -> None:
        self.carts[customer].remove(sku)

    def apply_coupon(self, code: str) -> None:
        self.discount = self.coupons[code]

    def subtotal(self, customer: str) -> Decimal:
        return sum((self.prices[sku] for sku in self.carts[customer]), Decimal(0))

    def vat(self, net: Decimal) -> Decimal:
        return (net * self.vat_rate).quantize(CENT)

    def quote(self, customer: str) -> Decimal:
        net = self.subtotal(customer) - self.discount
        return net + self.vat(net)

    def in_stock(self, sku: str) -> bool:
        return self.stock.get(sku, 0) > 0

    def reserve(self, customer: str) -> None:
        for sku in self.carts[customer]:
            self.stock[sku] -= 1

    def release(self, customer: str) -> None:
        for sku in self.carts[customer]:
            self.stock[sku] += 1

    def charge(self, customer: str) -> str:
        self.sales.append(self.quote(customer))
        return self.charge_card(customer, self.sales[-1])

    def refund(self, customer: str, amount: Decimal) -> str:
        self.sales.append(-amount)
        return self.charge_card(customer, -amount)

    def confirm(self, customer: str) -> None:
        self.send_mail(customer, f"Order confirmed: {self.quote(customer)} EUR")

    def checkout(self, customer: str) -> str:
        self.reserve(customer)
        receipt = self.charge(customer)
        self.confirm(customer)
        return receipt

    def daily_total(self) -> Decimal:
        return sum(self.sales, Decimal(0))

    def export_csv(self) -> str:
        return "\n".join(f"{amount:.2f}" for amount in self.sales)


# --8<-- [end:god-object]


# --8<-- [start:god-object-fix]
@dataclass
class Cart:
    """One customer's cart; the coupon belongs to the cart, not to the shop."""

    customer: str
    items: list[str] = field(default_factory=list)
    coupon: str | None = None


@dataclass(frozen=True)
class Pricing:
    """Prices, coupons and VAT: turns a cart into an amount, and nothing else."""

    prices: Mapping[str, Decimal]
    coupons: Mapping[str, Decimal]
    vat_rate: Decimal

    def quote(self, cart: Cart) -> Decimal:
        net = sum((self.prices[sku] for sku in cart.items), Decimal(0))
        if cart.coupon is not None:
            net -= self.coupons[cart.coupon]
        return net + (net * self.vat_rate).quantize(CENT)


@dataclass(frozen=True)
class Checkout:
    """Charges a cart and confirms it; the amount comes from `Pricing`."""

    pricing: Pricing
    charge_card: Callable[[str, Decimal], str]
    send_mail: Callable[[str, str], None]

    def place(self, cart: Cart) -> str:
        amount = self.pricing.quote(cart)
        receipt = self.charge_card(cart.customer, amount)
        self.send_mail(cart.customer, f"Order confirmed: {amount} EUR")
        return receipt


# --8<-- [end:god-object-fix]


# --8<-- [start:string-plus]
def build_report_plus(lines: Iterable[str]) -> str:
    """Concatenate the lines with `+=` in a local variable."""
    report = ""
    for line in lines:
        report += line
    return report


class ReportFile:
    """A report that grows in an attribute, one `+=` per line."""

    def __init__(self, header: str) -> None:
        self.text = header

    def add(self, line: str) -> None:
        self.text += line


# --8<-- [end:string-plus]


# --8<-- [start:string-join]
def build_report_join(lines: Iterable[str]) -> str:
    """Join the lines in one step: the form PEP 8 recommends."""
    return "".join(lines)


class ReportBuffer:
    """A report that collects its lines and joins them when asked for the text."""

    def __init__(self, header: str) -> None:
        self.lines = [header]

    def add(self, line: str) -> None:
        self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)


# --8<-- [end:string-join]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-mutable-default]
    alice = add_to_cart_shared("BOOK-1")
    bob = add_to_cart_shared("MUG-7")  # a different customer
    print(bob, bob is alice)
    #> ['BOOK-1', 'MUG-7'] True
    print(add_to_cart_shared.__defaults__)
    #> (['BOOK-1', 'MUG-7'],)
    # --8<-- [end:demo-mutable-default]

    # --8<-- [start:demo-mutable-default-fix]
    alice = add_to_cart("BOOK-1")
    bob = add_to_cart("MUG-7")
    print(alice, bob)
    #> ['BOOK-1'] ['MUG-7']
    # --8<-- [end:demo-mutable-default-fix]

    # --8<-- [start:demo-late-binding]
    VAT_RATES = {"DE": Decimal("0.19"), "AT": Decimal("0.20"), "LU": Decimal("0.17")}
    rules = vat_rules_late(VAT_RATES)
    print({country: str(vat(Decimal(100))) for country, vat in rules.items()})
    #> {'DE': '17.00', 'AT': '17.00', 'LU': '17.00'}
    # --8<-- [end:demo-late-binding]

    # --8<-- [start:demo-late-binding-fix]
    rules = vat_rules(VAT_RATES)
    print({country: str(vat(Decimal(100))) for country, vat in rules.items()})
    #> {'DE': '19.00', 'AT': '20.00', 'LU': '17.00'}
    # --8<-- [end:demo-late-binding-fix]

    # --8<-- [start:demo-is-literal]
    print(outcome_by_identity("HTTP/1.1 200 OK"))
    #> ok
    print(outcome_by_identity("HTTP/1.1 404 Not Found"))
    #> server trouble
    # --8<-- [end:demo-is-literal]

    # --8<-- [start:demo-is-literal-fix]
    print(outcome("HTTP/1.1 200 OK"), "/", outcome("HTTP/1.1 404 Not Found"))
    #> ok / not found
    # --8<-- [end:demo-is-literal-fix]

    # --8<-- [start:demo-type-comparison]
    print(csv_cell_by_type("A-1001"), csv_cell_by_type(Decimal("9.5")))
    #> A-1001 9.50
    try:
        csv_cell_by_type(OrderStatus.PAID)
    except TypeError as exc:
        print(exc)
        #> cannot export OrderStatus values
    # --8<-- [end:demo-type-comparison]

    # --8<-- [start:demo-type-comparison-fix]
    print(csv_cell("A-1001"), csv_cell(Decimal("9.5")), csv_cell(OrderStatus.PAID))
    #> A-1001 9.50 paid
    # --8<-- [end:demo-type-comparison-fix]

    # --8<-- [start:demo-bare-except]
    settings = {"port": "8443  # TLS", "workers": "16.0"}  # as typed into a .env file
    print(read_port_bare(settings), read_workers_quietly(settings))
    #> 8080 4
    # --8<-- [end:demo-bare-except]

    # --8<-- [start:demo-bare-except-fix]
    print(read_int({}, "port", 8080), read_int({"workers": "16"}, "workers", 4))
    #> 8080 16
    try:
        read_int(settings, "port", 8080)
    except ValueError as exc:
        print(exc)
        #> setting 'port' must be a whole number, got '8443  # TLS'
    # --8<-- [end:demo-bare-except-fix]

    # --8<-- [start:demo-lbyl]
    with tempfile.TemporaryDirectory() as folder:
        invoice_file = Path(folder, "INV-0042.txt")
        invoice_file.write_text("INV-0042: 240.00 EUR", encoding="utf-8")
        print(read_invoice_lbyl(invoice_file))
        #> INV-0042: 240.00 EUR
        try:  # the nightly clean-up archives the file in the gap
            read_invoice_lbyl(invoice_file, meanwhile=invoice_file.unlink)
        except FileNotFoundError as exc:
            print("exists() said yes, then:", type(exc).__name__)
            #> exists() said yes, then: FileNotFoundError
    # --8<-- [end:demo-lbyl]

    # --8<-- [start:demo-eafp]
    with tempfile.TemporaryDirectory() as folder:
        invoice_file = Path(folder, "INV-0042.txt")
        invoice_file.write_text("INV-0042: 240.00 EUR", encoding="utf-8")
        print(read_invoice(invoice_file))
        #> INV-0042: 240.00 EUR
        invoice_file.unlink()  # the clean-up, at any moment
        print(read_invoice(invoice_file))
        #> not issued yet
    # --8<-- [end:demo-eafp]

    # --8<-- [start:demo-global-state]
    def check_german_shop() -> bool:
        return price_label_global(Decimal("9.5")) == "9.50 EUR"

    def check_swiss_shop() -> bool:
        use_currency("CHF")
        return price_label_global(Decimal("9.5")) == "9.50 CHF"

    print(check_german_shop(), check_swiss_shop(), check_german_shop())
    #> True True False
    # --8<-- [end:demo-global-state]

    # --8<-- [start:demo-explicit-state]
    german, swiss = ShopSettings(), ShopSettings(currency="CHF")
    print(price_label(Decimal("9.5"), german), price_label(Decimal("9.5"), swiss))
    #> 9.50 EUR 9.50 CHF
    # --8<-- [end:demo-explicit-state]

    # --8<-- [start:demo-protected]
    invoice = Invoice("INV-0043")
    invoice.add_line(Decimal("240.00"))
    invoice.add_line(Decimal("35.00"))
    print("total due:", invoice._total)
    #> total due: None
    # --8<-- [end:demo-protected]

    # --8<-- [start:demo-public]
    print("total due:", invoice.total)
    #> total due: 275.00
    # --8<-- [end:demo-public]

    # --8<-- [start:demo-god-object]
    shop = OrderManager(
        PRICES, COUPONS, Decimal("0.19"), stock={"DESK": 3, "LAMP": 9},
        charge_card=lambda customer, amount: f"{customer} paid {amount}",
        send_mail=lambda to, text: None,  # needed even to quote a price
    )
    shop.add_item("alice", "DESK")
    shop.apply_coupon("WELCOME10")  # Alice's coupon
    shop.add_item("bob", "DESK")
    print(shop.quote("alice"), shop.quote("bob"))
    #> 273.70 273.70
    # --8<-- [end:demo-god-object]

    # --8<-- [start:demo-god-object-fix]
    pricing = Pricing(PRICES, COUPONS, vat_rate=Decimal("0.19"))
    alice_cart = Cart("alice", ["DESK"], coupon="WELCOME10")
    bob_cart = Cart("bob", ["DESK"])
    print(pricing.quote(alice_cart), pricing.quote(bob_cart))
    #> 273.70 285.60
    outbox: list[str] = []
    checkout = Checkout(
        pricing,
        charge_card=lambda customer, amount: f"{customer} paid {amount}",
        send_mail=lambda to, text: outbox.append(f"to {to}: {text}"),
    )
    print(checkout.place(bob_cart), "|", outbox[0])
    #> bob paid 285.60 | to bob: Order confirmed: 285.60 EUR
    # --8<-- [end:demo-god-object-fix]

    # --8<-- [start:demo-string-plus]
    lines = [f"INV-{n:04d};240.00;EUR\n" for n in range(2_000)]
    report = ReportFile("invoice;amount;currency\n")
    copies = 0
    for line in lines:
        before = id(report.text)
        report.add(line)
        copies += id(report.text) != before  # a new string: the old one copied
    print(f"{copies} of {len(lines)} appends copied the report so far")
    #> 2000 of 2000 appends copied the report so far
    # --8<-- [end:demo-string-plus]

    # --8<-- [start:demo-string-join]
    buffer = ReportBuffer("invoice;amount;currency\n")
    for line in lines:
        buffer.add(line)
    print(buffer.text == report.text, len(buffer.text))
    #> True 40024
    print(build_report_join(lines) == build_report_plus(lines))
    #> True
    # --8<-- [end:demo-string-join]
    # fmt: on
