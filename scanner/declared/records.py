"""The records of a declaration (the operator's inventory, row by row) and of its reconciliation with a scan."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from scanner.errors import UsageError
from scanner.model import DeviceReport
from scanner.vocabulary import FACE_VERDICTS, Feature, Level, Verdict


class FaceUse(StrEnum):
    """The face use an inventory row declares, and the use a scan proves, weakest first."""

    NONE = "none"
    DETECTION = "detection"  # faces are found in the picture
    CAPTURE = "capture"  # face pictures (or their attributes) are taken and kept
    RECOGNITION = "recognition"  # faces are compared with enrolled people

    @property
    def rank(self) -> int:
        return list(FaceUse).index(self)


# The use each feature proves. Attributes (age, glasses, mask) are read from captured faces; face metadata in the
# stream is where the faces are: detection. A face library is there to recognise people.
FEATURE_USE = {
    Feature.FACE_DETECTION: FaceUse.DETECTION,
    Feature.FACE_METADATA: FaceUse.DETECTION,
    Feature.FACE_CAPTURE: FaceUse.CAPTURE,
    Feature.FACE_ATTRIBUTES: FaceUse.CAPTURE,
    Feature.FACE_RECOGNITION: FaceUse.RECOGNITION,
    Feature.FACE_LIBRARY: FaceUse.RECOGNITION,
}
IN_USE = frozenset({Level.CONFIGURED, Level.ACTIVE})  # a declaration is about use: a switch read on, or use seen


class MatchKey(StrEnum):
    """What tied a row to a device, strongest first (the order of the history diff)."""

    SERIAL = "serial"
    MAC = "mac"
    ADDRESS = "address"


class Missing(StrEnum):
    """Why a declared device was not found."""

    OUT_OF_SCOPE = "out_of_scope"  # its declared address was not among the addresses scanned
    NO_ANSWER = "no_answer"  # nothing answered at its declared address
    OTHER_DEVICE = "other_device"  # another device (a different serial or MAC) answers at its declared address
    NOT_SEEN = "not_seen"  # no address declared, and no device revealed its serial or MAC


@dataclass(frozen=True)
class DeclaredRow:
    """One row of the inventory: where it is in the file, and what it declares (None: the cell was empty).

    `serial` is as written; `mac` is normalised (aa:bb:cc:dd:ee:ff) and `address` canonical. `face_use` is None when
    the cell was empty or its text could not be mapped; `face_text` keeps what was written.
    """

    row: int
    address: str | None = None
    mac: str | None = None
    serial: str | None = None
    maker: str | None = None
    model: str | None = None
    location: str | None = None
    face_use: FaceUse | None = None
    face_text: str = ""

    @property
    def unmapped(self) -> bool:
        """Face use was written but could not be read as none, detection, capture or recognition."""
        return self.face_use is None and bool(self.face_text)


@dataclass(frozen=True)
class Declaration:
    """An inventory as read: its file's name and SHA-256, how it was read, its rows, and the file itself."""

    source: str
    sha256: str
    kind: str  # "csv" or "xlsx"
    detail: str  # the text encoding of a CSV (utf-8, gb18030...), the sheet name of a workbook
    face_column: str  # the face-use column's letter, for the report's notes on unmapped text
    rows: tuple[DeclaredRow, ...]
    original: bytes = field(default=b"", repr=False, compare=False)


def found_use(device: DeviceReport) -> FaceUse:
    """The strongest face use a device's findings prove in use (configured or active); NONE when none does."""
    uses = [FEATURE_USE[f.feature] for f in device.findings if f.level in IN_USE]
    return max(uses, key=lambda u: u.rank, default=FaceUse.NONE)


@dataclass(frozen=True)
class Match:
    """A row tied to a scanned device, the key that tied them, and what the device's findings prove."""

    row: DeclaredRow
    device: DeviceReport
    key: MatchKey
    model_differs: bool = False  # both name a model and neither contains the other

    @property
    def found(self) -> FaceUse:
        return found_use(self.device)

    @property
    def exceeds(self) -> bool:
        """The device does more with faces than its row declares (an empty or unread declaration declares nothing)."""
        declared = self.row.face_use.rank if self.row.face_use is not None else -1
        return self.found != FaceUse.NONE and self.found.rank > declared

    @property
    def moved(self) -> bool:
        return self.row.address is not None and self.row.address != self.device.address


@dataclass(frozen=True)
class NotFound:
    """A declared row that matches no scanned device, and what would explain it."""

    row: DeclaredRow
    why: Missing
    at_address: DeviceReport | None = None  # the other device answering at the declared address


@dataclass(frozen=True)
class Ambiguous:
    """A row that more than one device (or another row) could be: reported, never guessed."""

    row: DeclaredRow
    key: MatchKey
    candidates: tuple[DeviceReport, ...]


@dataclass(frozen=True)
class Reconciliation:
    """A declaration against a scan: every row matched, not found or ambiguous; every device matched or not."""

    declaration: Declaration
    matched: tuple[Match, ...]
    undeclared: tuple[DeviceReport, ...]  # devices no row matches, cameras and others
    not_found: tuple[NotFound, ...]
    ambiguous: tuple[Ambiguous, ...] = ()
    partial: bool = False  # the scan stopped early: a device may be missing because it was never reached

    @property
    def undeclared_cameras(self) -> tuple[DeviceReport, ...]:
        return tuple(d for d in self.undeclared if d.is_camera)

    @property
    def undeclared_other(self) -> tuple[DeviceReport, ...]:
        return tuple(d for d in self.undeclared if not d.is_camera)

    @property
    def undeclared_face(self) -> tuple[Match, ...]:
        """The headline: declared devices doing more with faces than declared ("face recognition found, declared
        none")."""
        return tuple(m for m in self.matched if m.exceeds)

    @property
    def unconfirmed(self) -> tuple[Match, ...]:
        """Declared devices whose face use the scan could not check (verdict unknown), whatever the row declared:
        a declared "none" is no more confirmed than a declared "recognition"."""
        return tuple(m for m in self.matched if m.device.face_analytics == Verdict.UNKNOWN)

    @property
    def moved(self) -> tuple[Match, ...]:
        return tuple(m for m in self.matched if m.moved)

    @property
    def unmapped(self) -> tuple[DeclaredRow, ...]:
        return tuple(r for r in self.declaration.rows if r.unmapped)

    @property
    def involves_faces(self) -> bool:
        """Something undeclared involves faces: a declared device doing more than declared, or an undeclared
        device with any face verdict (even `capable`: nobody declared it, so nobody assessed it)."""
        return bool(self.undeclared_face) or any(d.face_analytics in FACE_VERDICTS for d in self.undeclared)


class InventoryError(UsageError):
    """An inventory file that cannot be read: one line naming the file and, where it can, the row and column."""
