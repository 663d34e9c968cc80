"""Institutions, medical organisations, staff."""

from __future__ import annotations

from sqlalchemy import Connection, func, insert, select, update

from mse.adapters.db.tables import medical_orgs, org_units, regions, staff
from mse.domain.organisation import MedicalOrganisation, OrgUnit, Position, Profile, Region, StaffMember, UnitKind
from mse.services.ports import UnitWithCounts


def _unit(row: object) -> OrgUnit:
    r = row._mapping  # type: ignore[attr-defined]
    return OrgUnit(
        id=r["id"], kind=UnitKind(r["kind"]), name=r["name"], short_name=r["short_name"],
        region_code=r["region_code"], parent_id=r["parent_id"], path=r["path"],
        profile=Profile(r["profile"]) if r["profile"] else None, address=r["address"],
    )


def _staff(row: object) -> StaffMember:
    r = row._mapping  # type: ignore[attr-defined]
    return StaffMember(r["id"], r["unit_id"], Position(r["position"]), r["surname"], r["name"], r["patronymic"], r["email"])


def _mo(row: object) -> MedicalOrganisation:
    r = row._mapping  # type: ignore[attr-defined]
    return MedicalOrganisation(r["id"], r["name"], r["ogrn"], r["region_code"], r["address"])


class OrganisationRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # regions
    def regions(self) -> list[Region]:
        return [Region(r.code, r.name) for r in self.conn.execute(select(regions).order_by(regions.c.code))]

    def region(self, code: str) -> Region | None:
        r = self.conn.execute(select(regions).where(regions.c.code == code)).first()
        return Region(r.code, r.name) if r else None

    # units
    def add_unit(self, *, kind: UnitKind, name: str, short_name: str, region_code: str | None,
                 parent: OrgUnit | None, profile: Profile | None, address: str | None) -> OrgUnit:
        new_id = self.conn.execute(
            insert(org_units).values(kind=kind.value, name=name, short_name=short_name, region_code=region_code,
                                     parent_id=parent.id if parent else None, path="",
                                     profile=profile.value if profile else None, address=address)
        ).inserted_primary_key[0]  # type: ignore[index]
        path = f"{parent.path if parent else '/'}{new_id}/"
        self.conn.execute(update(org_units).where(org_units.c.id == new_id).values(path=path))
        unit = self.get_unit(new_id)
        assert unit is not None
        return unit

    def get_unit(self, unit_id: int) -> OrgUnit | None:
        r = self.conn.execute(select(org_units).where(org_units.c.id == unit_id)).first()
        return _unit(r) if r else None

    def unit_by_short_name(self, short_name: str) -> OrgUnit | None:
        r = self.conn.execute(select(org_units).where(org_units.c.short_name == short_name)).first()
        return _unit(r) if r else None

    def lineage(self, unit_id: int) -> list[OrgUnit]:
        """The unit and all units above it, root first, in one statement (materialised path: an ancestor's path is a
        prefix of the unit's)."""
        below = org_units.alias("below")
        q = (select(org_units).join(below, below.c.path.startswith(org_units.c.path))
             .where(below.c.id == unit_id).order_by(func.length(org_units.c.path)))
        return [_unit(r) for r in self.conn.execute(q)]

    def units_by_ids(self, ids: list[int]) -> list[OrgUnit]:
        return [_unit(r) for r in self.conn.execute(select(org_units).where(org_units.c.id.in_(ids)))]

    def root(self) -> OrgUnit | None:
        r = self.conn.execute(select(org_units).where(org_units.c.kind == UnitKind.FEDERAL.value)).first()
        return _unit(r) if r else None

    def tree_with_staff_counts(self) -> list[UnitWithCounts]:
        """The whole institution tree in path order with staff counts, in two statements."""
        counts: dict[int, int] = {
            r.unit_id: r.n for r in self.conn.execute(select(staff.c.unit_id, func.count().label("n")).group_by(staff.c.unit_id))
        }
        units = [_unit(r) for r in self.conn.execute(select(org_units))]
        # Depth-first by numeric path ("/1/2/" before "/1/10/"), which a text ORDER BY would not give.
        units.sort(key=lambda u: [int(x) for x in u.path.strip("/").split("/")])
        return [UnitWithCounts(u, counts.get(u.id, 0), u.path.count("/") - 2) for u in units]

    def count_units(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(org_units)).scalar_one())

    # medical organisations
    def add_medical_org(self, *, name: str, ogrn: str, region_code: str, address: str | None) -> MedicalOrganisation:
        new_id = self.conn.execute(
            insert(medical_orgs).values(name=name, ogrn=ogrn, region_code=region_code, address=address)
        ).inserted_primary_key[0]  # type: ignore[index]
        return MedicalOrganisation(new_id, name, ogrn, region_code, address)

    def get_medical_org(self, org_id: int) -> MedicalOrganisation | None:
        r = self.conn.execute(select(medical_orgs).where(medical_orgs.c.id == org_id)).first()
        return _mo(r) if r else None

    def medical_org_by_ogrn(self, ogrn: str) -> MedicalOrganisation | None:
        r = self.conn.execute(select(medical_orgs).where(medical_orgs.c.ogrn == ogrn)).first()
        return _mo(r) if r else None

    def attach_medical_org(self, org_id: int, bureau_id: int, *, only_if_unattached: bool = True) -> bool:
        """Attach the organisation to a bureau for referrals (прикрепление); by default only when it has none yet."""
        q = update(medical_orgs).where(medical_orgs.c.id == org_id)
        if only_if_unattached:
            q = q.where(medical_orgs.c.bureau_id.is_(None))
        return bool(self.conn.execute(q.values(bureau_id=bureau_id)).rowcount)

    def medical_orgs(self, region_code: str | None = None, *, limit: int = 50, offset: int = 0) -> tuple[list[MedicalOrganisation], int]:
        q = select(medical_orgs)
        if region_code:
            q = q.where(medical_orgs.c.region_code == region_code)
        total = self.conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = self.conn.execute(q.order_by(medical_orgs.c.region_code, medical_orgs.c.name).limit(limit).offset(offset))
        return [_mo(r) for r in rows], int(total)

    # staff
    def add_staff(self, *, unit_id: int, position: Position, surname: str, name: str, patronymic: str | None,
                  email: str | None = None) -> StaffMember:
        new_id = self.conn.execute(
            insert(staff).values(unit_id=unit_id, position=position.value, surname=surname, name=name, patronymic=patronymic,
                                 email=email)
        ).inserted_primary_key[0]  # type: ignore[index]
        return StaffMember(new_id, unit_id, position, surname, name, patronymic, email)

    def get_staff(self, staff_id: int) -> tuple[StaffMember, OrgUnit] | None:
        r = self.conn.execute(
            select(staff, org_units.c.path).join(org_units, org_units.c.id == staff.c.unit_id).where(staff.c.id == staff_id)
        ).first()
        if r is None:
            return None
        unit = self.get_unit(r.unit_id)
        assert unit is not None
        return _staff(r), unit

    def staff_of_unit(self, unit_id: int) -> list[StaffMember]:
        rows = self.conn.execute(select(staff).where(staff.c.unit_id == unit_id).order_by(staff.c.position, staff.c.surname))
        return [_staff(r) for r in rows]

    def count_staff(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(staff)).scalar_one())
