"""The benchmark fleet: cloned personas with unique identities, spread over a /24, served like any lab."""

from __future__ import annotations

import pytest

from scanner.errors import LabError
from scanner.lab.lab import loopback_personas
from tests.doubles.fleet import Fleet, clone_personas, spread_addresses
from tests.lab.clients import session

pytestmark = pytest.mark.lab


def test_clones_cycle_the_personas_and_keep_their_answer_keys():
    base = loopback_personas()
    clones = clone_personas(base, 2 * len(base) + 1)
    assert [c.expect for c in clones] == [base[i % len(base)].expect for i in range(len(clones))]
    assert [c.model for c in clones] == [base[i % len(base)].model for i in range(len(clones))]
    assert len({c.id for c in clones}) == len({c.serial for c in clones}) == len({c.mac for c in clones}) == len(clones)


def test_a_clone_keeps_its_vendor_prefix_and_serial_shape():
    template = loopback_personas()[0]
    clone = clone_personas([template], 255)[254]
    assert clone.mac[:11] == template.mac.lower()[:11] and clone.mac.endswith("00:fe")
    assert len(clone.serial) == len(template.serial) and clone.serial.endswith("254")


def test_addresses_spread_over_the_range_and_fill_it_at_254():
    assert spread_addresses("127.77.40.0/24", 254) == tuple(f"127.77.40.{i}" for i in range(1, 255))
    ten = spread_addresses("127.77.40.0/24", 10)
    assert ten[0] == "127.77.40.1" and ten[-1] == "127.77.40.229" and len(set(ten)) == 10


@pytest.mark.parametrize("count", [0, 255])
def test_a_fleet_holds_1_to_254_devices(count):
    with pytest.raises(LabError):
        spread_addresses("127.77.40.0/24", count)


def test_a_fleet_stays_on_loopback():
    with pytest.raises(LabError):
        Fleet(3, network="10.0.0.0/24")


def test_a_small_fleet_serves_each_clone_at_its_own_address():
    with Fleet(3, network="127.77.41.0/24", standard_ports=False) as fleet:
        assert [d.address for d in fleet.devices] == ["127.77.41.1", "127.77.41.85", "127.77.41.170"]
        first = fleet.devices[0]
        with session() as http:
            answer = http.get(f"http://{first.address}:{first.ports['http']}/", timeout=5)
        assert answer.status_code in (200, 301, 302)
        assert f'targets = ["{first.address}"]' in fleet.credentials_toml()
