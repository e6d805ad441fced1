"""The libraries that write okrsite's encoded outputs write them as before: the search
index's CBOR (cbor2) in the form Pagefind writes and reads, okrs.json (orjson or json)
and the Atom feeds (a theme template)."""

from __future__ import annotations

import gzip

import pytest

from okrsite import search

# RFC 8949, appendix A: the encodings Pagefind's own writer (minicbor) gives these values
RFC_8949_EXAMPLES = [
    (0, "00"), (23, "17"), (24, "1818"), (100, "1864"), (1000, "1903e8"), (1000000, "1a000f4240"),
    (1000000000000, "1b000000e8d4a51000"), (18446744073709551615, "1bffffffffffffffff"),
    (-1, "20"), (-10, "29"), (-100, "3863"), (-1000, "3903e7"),
    ("", "60"), ("a", "6161"), ("IETF", "6449455446"), ("\u00fc", "62c3bc"), ("\u6c34", "63e6b0b4"),
    (b"", "40"), (b"\x01\x02\x03\x04", "4401020304"),
    ([], "80"), ([1, 2, 3], "83010203"), ([1, [2, 3], [4, 5]], "8301820203820405"),
    (list(range(1, 26)), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
]


@pytest.mark.parametrize(("value", "cbor"), RFC_8949_EXAMPLES, ids=[c for _, c in RFC_8949_EXAMPLES])
def test_search_data_files_are_cbor_in_the_shortest_definite_form(value, cbor):
    data = search._encode_dcd(value)
    assert gzip.decompress(data) == b"pagefind_dcd" + bytes.fromhex(cbor)
    assert search._decode_dcd(data) == value
