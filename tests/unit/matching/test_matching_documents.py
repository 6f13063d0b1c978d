"""Open items at the cut-off matched to the package's open documents: sure, to check, or none."""

from __future__ import annotations

from decimal import Decimal

from ledgerlink.matching.documents import Document, match_documents

D = Decimal


def doc(id: str, number: str, contact: str, amount: str, kind: str = "sales_invoice") -> Document:
    return Document(id=id, kind=kind, numbers=(number,), contact_id=contact, open_amount=D(amount))


def bands(left: list[Document], right: list[Document]) -> dict[str, tuple[str, str]]:
    return {p.left_id: (p.right_id, p.band) for p in match_documents(left, right)}


def test_number_contact_and_amount_agreeing_is_sure_however_the_number_is_typed() -> None:
    ours = [doc("INV-1001", "INV-1001", "c1", "120.00")]
    theirs = [doc("p1", "inv 01001", "c1", "120.00"), doc("p2", "INV-1002", "c1", "120.00")]
    assert bands(ours, theirs) == {"INV-1001": ("p1", "sure")}


def test_a_part_payment_one_side_has_not_seen_leaves_a_match_for_a_person_to_check() -> None:
    ours = [doc("INV-1001", "INV-1001", "c1", "120.00")]
    theirs = [doc("p1", "INV-1001", "c1", "70.00")]
    [proposal] = match_documents(ours, theirs)
    assert (proposal.band, proposal.reasons) == ("likely", ("same number", "same contact"))


def test_only_the_amount_agreeing_or_another_kind_of_document_is_no_match() -> None:
    ours = [
        doc("INV-1001", "INV-1001", "c1", "120.00"),
        doc("BILL-1", "SUP-77", "s1", "50.00", "purchase_invoice"),
    ]
    theirs = [doc("p1", "SI-9", "c2", "120.00"), doc("p2", "SUP-77", "s1", "50.00", "purchase_credit_note")]
    assert match_documents(ours, theirs) == []


def test_two_package_documents_fitting_equally_are_never_linked_at_once() -> None:
    ours = [doc("INV-1001", "INV-1001", "c1", "120.00")]
    theirs = [doc("p1", "INV-1001", "c1", "120.00"), doc("p2", "INV-1001", "c1", "120.00")]
    [proposal] = match_documents(ours, theirs)
    assert proposal.band == "likely"
    assert "another document fits as well" in proposal.reasons


def test_each_package_document_is_linked_once_the_best_fit_first() -> None:
    ours = [doc("A", "INV-1", "c1", "10.00"), doc("B", "INV-1", "c1", "99.00")]
    theirs = [doc("p1", "INV-1", "c1", "10.00")]
    assert bands(ours, theirs) == {"A": ("p1", "sure")}


def test_the_package_s_reference_counts_as_a_number() -> None:
    ours = [doc("INV-1001", "INV-1001", "c1", "120.00")]
    theirs = [Document("p1", "sales_invoice", ("SI-12", "INV-1001"), "c1", D("120.00"))]
    assert bands(ours, theirs) == {"INV-1001": ("p1", "sure")}
