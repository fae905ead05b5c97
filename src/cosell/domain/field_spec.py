"""What one scalar column of a referral is: the vocabulary of the field table in `fields`.

A `FieldSpec` says everything the rest of the product needs to know of a column: how
its cell reads, which `Referral` attribute holds it, when an import may change it,
whether a new deal needs it, how it is stored, what the API calls it and where the
detail page shows it. Everything else is derived from the table of specs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum


class Kind(Enum):
    """How a cell of the column reads, and so what the value is."""

    #: one line of at most `limit` characters
    TEXT = "text"
    #: text of at most `limit` characters that may span lines
    MULTILINE = "multiline"
    #: text of at most `limit` characters that a spreadsheet may have turned into a number
    IDENTIFIER = "identifier"
    COUNTRY = "country"
    DUNS = "duns"
    PHONE = "phone"
    EMAIL = "email"
    CURRENCY = "currency"
    #: one member of the enum `choices`
    CHOICE = "choice"
    #: a number of the code list `codes`
    CODE = "code"
    SALES_STAGE = "sales stage"
    MONEY = "money"
    DATE = "date"
    YES_NO = "yes/no"

    @property
    def numeric_looking(self) -> bool:
        """Digits a spreadsheet may take for a number: XLSX writes the column as text,
        and a value that lost its leading zeros still matches the stored one."""
        return self in _NUMERIC_LOOKING

    @property
    def value_type(self) -> type:
        """The type of the value (for CHOICE: the enum of the field)."""
        return _VALUE_TYPES.get(self, str)


_NUMERIC_LOOKING = frozenset({Kind.IDENTIFIER, Kind.DUNS, Kind.PHONE})
_LIMITED = frozenset({Kind.TEXT, Kind.MULTILINE, Kind.IDENTIFIER})
_VALUE_TYPES: dict[Kind, type] = {
    Kind.CODE: int,
    Kind.SALES_STAGE: int,
    Kind.MONEY: Decimal,
    Kind.DATE: dt.date,
    Kind.YES_NO: bool,
}


class Access(Enum):
    """When an import (or the API) may change the field of an existing deal."""

    WRITABLE = "writable"
    #: set when the deal is created, fixed afterwards
    FIXED_AFTER_CREATE = "fixed after create"
    #: locked once the deal was saved with "Microsoft help required?" = Yes
    LOCKED_AFTER_HELP = "locked after help shared"
    #: names the deal an import row is about; never written by an import
    KEY = "key"
    #: never read by an import, whatever the cell holds
    IGNORED = "ignored"


class Need(Enum):
    """Whether a deal must have a value."""

    OPTIONAL = "optional"
    #: given on create, and never cleared afterwards
    REQUIRED = "required"
    #: every stored deal has one, though a file need not give it (made or derived)
    ALWAYS = "always"


class Section(Enum):
    """The part of the deal a field describes (the cards of the detail page)."""

    DEAL = "deal"
    CUSTOMER = "customer"
    CONTACT = "contact"
    MICROSOFT = "microsoft"


@dataclass(frozen=True, slots=True, eq=False)
class FieldSpec:
    """One row of the field table (see the module)."""

    #: the `Referral` attribute, also the field's name in the API; None: not stored
    attr: str | None
    kind: Kind
    #: the longest text import accepts (TEXT, MULTILINE, IDENTIFIER)
    limit: int | None = None
    access: Access = Access.WRITABLE
    need: Need = Need.OPTIONAL
    #: required when Microsoft help is requested
    with_help: bool = False
    #: the enum of a CHOICE field
    choices: type[Enum] | None = None
    #: the code list of a CODE field
    codes: Mapping[int, str] | None = None
    #: the stored column, when it is not named as the attribute
    column: str | None = None
    #: the stored width of a text column, when it is not `limit`
    width: int | None = None
    #: what the API documents for it (the input's description; a key's in the output)
    doc: str = ""
    #: the detail page's label and card; no section: the page does not list it alone
    label: str = ""
    section: Section | None = None

    def __post_init__(self) -> None:
        if (self.kind is Kind.CHOICE) != (self.choices is not None):
            raise ValueError("a CHOICE field, and only one, names its enum")
        if (self.kind is Kind.CODE) != (self.codes is not None):
            raise ValueError("a CODE field, and only one, names its code list")
        if self.kind in _LIMITED and self.limit is None and self.attr is not None:
            raise ValueError(f"a {self.kind.value} field needs a limit")
        if self.section is not None and not self.label:
            raise ValueError("a field the page lists needs a label")

    @property
    def column_name(self) -> str:
        """The stored column (the attribute's name unless said otherwise)."""
        assert self.attr is not None, "the field is not stored"
        return self.column or self.attr

    @property
    def optional(self) -> bool:
        """A deal may lack the value (the attribute and the column take None)."""
        return self.need is Need.OPTIONAL

    @property
    def value_type(self) -> type:
        return self.choices if self.choices is not None else self.kind.value_type
