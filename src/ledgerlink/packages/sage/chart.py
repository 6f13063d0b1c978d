"""What Sage's own UK chart files some of its accounts under, where their names leave it unsaid.

Sage ships a chart whose motor costs sit together in 7300-7399: "Fuel and Oil", "Vehicle Insurance" and
"Miscellaneous Motor Expenses" say so in their names, but "Repairs and Servicing", "Licences" and
"Scale Charges" do not, and read alone they could be any repairs or any licence. A bookkeeper who knows
the chart reads 7301 as the vehicles' repairs. Only an account still as Sage ships it (the same code
and the same name) is read with its heading: a business that renamed it, or made its own account in
that range, may use it for anything, and is left to say so itself.
"""

from __future__ import annotations

MOTOR_EXPENSES = "Motor expenses"

SHIPPED_HEADINGS: dict[tuple[str, str], str] = {
    ("7301", "repairs and servicing"): MOTOR_EXPENSES,
    ("7302", "licences"): MOTOR_EXPENSES,
    ("7350", "scale charges"): MOTOR_EXPENSES,
}


def shipped_heading(code: str, name: str) -> str:
    """The heading Sage's chart files this account under, for an account as Sage ships it ("" else)."""
    return SHIPPED_HEADINGS.get((code, " ".join(name.lower().split())), "")
