"""Person registry (personal data tables)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, false, func, insert, select

from mse.adapters.db.repositories.people_search import fuzzy_surname
from mse.adapters.db.tables import org_units, person_addresses, person_documents, person_representatives, persons
from mse.domain.people import (
    Address,
    AddressKind,
    Citizenship,
    Contacts,
    DocumentKind,
    IdentityDocument,
    Person,
    PersonData,
    Representative,
    RepresentativeKind,
)
from mse.domain.policy import PersonFilter
from mse.domain.values import FullName, Ogrn, Sex, Snils, normalize_name
from mse.services.ports import PersonQuery, PersonRow


def _doc_json(d: IdentityDocument | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"kind": d.kind.value, "series": d.series, "number": d.number, "issued_by": d.issued_by,
            "issue_date": d.issue_date.isoformat() if d.issue_date else None}


def _doc_from_json(j: dict[str, Any] | None) -> IdentityDocument | None:
    if not j:
        return None
    return IdentityDocument(DocumentKind(j["kind"]), j["number"], j.get("series"), j.get("issued_by"),
                            date.fromisoformat(j["issue_date"]) if j.get("issue_date") else None)


class PeopleRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, data: PersonData, *, bureau_id: int | None, source_org_id: int | None, now: datetime) -> int:
        n = data.full_name
        person_id: int = self.conn.execute(
            insert(persons).values(
                surname=n.surname, name=n.name, patronymic=n.patronymic,
                surname_key=normalize_name(n.surname), name_key=normalize_name(n.name),
                patronymic_key=normalize_name(n.patronymic) if n.patronymic else None,
                birth_date=data.birth_date, sex=data.sex.value, citizenship=data.citizenship.value,
                snils=data.snils.digits if data.snils else None, homeless=data.homeless,
                phone_home=data.contacts.phone_home, phone_mobile=data.contacts.phone_mobile, email=data.contacts.email,
                bureau_id=bureau_id, source_org_id=source_org_id, created_at=now, updated_at=now,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        if data.documents:
            self.conn.execute(insert(person_documents), [
                {"person_id": person_id, "kind": d.kind.value, "series": d.series, "number": d.number,
                 "issued_by": d.issued_by, "issue_date": d.issue_date} for d in data.documents])
        if data.addresses:
            self.conn.execute(insert(person_addresses), [
                {"person_id": person_id, "kind": a.kind.value, "country": a.country, "postal_code": a.postal_code,
                 "region_code": a.region_code, "region": a.region, "district": a.district, "settlement": a.settlement,
                 "rural": a.rural, "street": a.street, "house": a.house, "apartment": a.apartment} for a in data.addresses])
        if data.representatives:
            self.conn.execute(insert(person_representatives), [
                {"person_id": person_id, "kind": r.kind.value, "surname": r.full_name.surname, "name": r.full_name.name,
                 "patronymic": r.full_name.patronymic, "birth_date": r.birth_date, "document": _doc_json(r.document),
                 "authority_document": r.authority_document, "snils": r.snils.digits if r.snils else None,
                 "contacts": {"phone_home": r.contacts.phone_home, "phone_mobile": r.contacts.phone_mobile, "email": r.contacts.email},
                 "organisation_name": r.organisation_name,
                 "organisation_ogrn": r.organisation_ogrn.digits if r.organisation_ogrn else None} for r in data.representatives])
        return person_id

    def snils_taken(self, snils: str) -> int | None:
        return self.conn.execute(select(persons.c.id).where(persons.c.snils == snils)).scalar_one_or_none()

    def get(self, person_id: int) -> tuple[Person, str | None] | None:
        """The person with all sub-records and the path of their bureau (for the access policy)."""
        row = self.conn.execute(
            select(persons, org_units.c.path).outerjoin(org_units, org_units.c.id == persons.c.bureau_id)
            .where(persons.c.id == person_id)
        ).first()
        if row is None:
            return None
        r = row._mapping
        docs = tuple(
            IdentityDocument(DocumentKind(d.kind), d.number, d.series, d.issued_by, d.issue_date)
            for d in self.conn.execute(select(person_documents).where(person_documents.c.person_id == person_id).order_by(person_documents.c.id))
        )
        addrs = tuple(
            Address(AddressKind(a.kind), a.country, a.postal_code, a.region_code, a.region, a.settlement, a.house,
                    a.district, a.rural, a.street, a.apartment)
            for a in self.conn.execute(select(person_addresses).where(person_addresses.c.person_id == person_id).order_by(person_addresses.c.id))
        )
        reps = tuple(
            Representative(
                RepresentativeKind(p.kind), FullName(p.surname, p.name, p.patronymic), p.birth_date, _doc_from_json(p.document),
                p.authority_document, Snils(p.snils) if p.snils else None, Contacts(**(p.contacts or {})),
                p.organisation_name, Ogrn(p.organisation_ogrn) if p.organisation_ogrn else None,
            )
            for p in self.conn.execute(select(person_representatives).where(person_representatives.c.person_id == person_id).order_by(person_representatives.c.id))
        )
        data = PersonData(
            full_name=FullName(r["surname"], r["name"], r["patronymic"]), birth_date=r["birth_date"], sex=Sex(r["sex"]),
            citizenship=Citizenship(r["citizenship"]), snils=Snils(r["snils"]) if r["snils"] else None,
            documents=docs, addresses=addrs, contacts=Contacts(r["phone_home"], r["phone_mobile"], r["email"]),
            homeless=r["homeless"], representatives=reps,
        )
        return Person(person_id, data, r["bureau_id"], r["source_org_id"]), r["path"]

    def _scoped(self, q: Select[Any], f: PersonFilter) -> Select[Any]:
        if f.deny_all:
            return q.where(false())
        if f.unit_path_prefix is not None:
            q = q.where(org_units.c.path.startswith(f.unit_path_prefix, autoescape=True))
        if f.medical_org_id is not None:
            q = q.where(persons.c.source_org_id == f.medical_org_id)
        if f.person_id is not None:
            q = q.where(persons.c.id == f.person_id)
        return q

    def search(self, query: PersonQuery, f: PersonFilter, *, limit: int, offset: int) -> tuple[list[PersonRow], int]:
        conds = []
        if query.snils:
            conds.append(persons.c.snils == query.snils)
        rank = None
        if query.surname and query.fuzzy:
            fuzzy, rank = fuzzy_surname(self.conn, normalize_name(query.surname))
            conds.append(fuzzy)
        elif query.surname:
            conds.append(persons.c.surname_key == normalize_name(query.surname))
        if query.name:
            conds.append(persons.c.name_key == normalize_name(query.name))
        if query.patronymic:
            conds.append(persons.c.patronymic_key == normalize_name(query.patronymic))
        if query.birth_date:
            conds.append(persons.c.birth_date == query.birth_date)
        base = select(
            persons.c.id, persons.c.surname, persons.c.name, persons.c.patronymic, persons.c.birth_date,
            persons.c.snils, persons.c.bureau_id, org_units.c.path, persons.c.source_org_id,
        ).outerjoin(org_units, org_units.c.id == persons.c.bureau_id)
        q = self._scoped(base.where(and_(*conds)) if conds else base, f)
        total = self.conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        order = (persons.c.surname_key, persons.c.name_key, persons.c.id)
        rows = self.conn.execute(q.order_by(*((rank.desc(), *order) if rank is not None else order)).limit(limit).offset(offset))
        hits = [
            PersonRow(r.id, " ".join(p for p in (r.surname, r.name, r.patronymic) if p), r.birth_date, r.snils,
                      r.bureau_id, r.path, r.source_org_id)
            for r in rows
        ]
        return hits, int(total)

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(persons)).scalar_one())
