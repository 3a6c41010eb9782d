#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ from the conformance vectors (vectors/*.json),
laid out as each target reads its input (see the doc comment at the top of each target), plus
a few hand-written samples for formats the vectors do not carry. Deterministic: the same
vectors give the same files. Run from anywhere: `python3 fuzz/seeds.py`."""

import base64
import hashlib
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "vectors")
CORPUS = os.path.join(HERE, "corpus")

corpus = {}


def add(target, data):
    if isinstance(data, str):
        data = data.encode()
    corpus.setdefault(target, set()).add(bytes(data))


def load(area):
    d = json.load(open(os.path.join(VECTORS, area + ".json")))
    return d if isinstance(d, list) else d["vectors"]


def h(s):
    return bytes.fromhex(s)


def by_kind(vs, kind):
    return [v for v in vs if v["kind"] == kind]


ENC = {"aes-gcm": 0, "xchacha20": 1, "aes-cbc": 2}
TYPED = {"05": 0, "03": 1, "00": 2, "07": 3, "15": 4, "25": 5}


def ids_in(obj, out):
    """Every 66-hex-digit string anywhere in a vector."""
    if isinstance(obj, dict):
        for v in obj.values():
            ids_in(v, out)
    elif isinstance(obj, list):
        for v in obj:
            ids_in(v, out)
    elif isinstance(obj, str) and len(obj) == 66:
        try:
            bytes.fromhex(obj)
            out.add(obj)
        except ValueError:
            pass


def bencoded(vs, out):
    """Every hex value in a vector that looks bencoded (starts with d/l/i/digit, ends with e)."""
    for v in vs:
        for part in (v.get("inputs", {}), v.get("expected", {})):
            for val in part.values() if isinstance(part, dict) else []:
                if isinstance(val, str) and len(val) % 2 == 0 and len(val) >= 4:
                    try:
                        b = bytes.fromhex(val)
                    except ValueError:
                        continue
                    if b[:1] in (b"d", b"l", b"i") or b[:1].isdigit():
                        out.add(b)


identity, protocol, onion, swarm = (load(a) for a in ("identity", "protocol", "onion", "swarm"))
every = identity + protocol + onion + swarm

# --- identity -------------------------------------------------------------------------------
all_ids = set()
ids_in(every, all_ids)
for v in by_kind(identity, "account_id_parse"):
    add("identity_id_parse", v["inputs"]["text"])
    add("identity_typed_id_parse", b"\x00" + v["inputs"]["text"].encode())
for i in sorted(all_ids):
    add("identity_id_parse", i)
    add("identity_id_parse", b"\x00" + h(i))
    add("identity_swarm_dummy", b"")
    if i[:2] in TYPED:
        add("identity_typed_id_parse", bytes([TYPED[i[:2]]]) + i.encode())
    add("swarm_id_parse", i)
corpus.pop("identity_swarm_dummy", None)
for k in ("mnemonic_decode", "recovery_phrase_to_account_id"):
    for v in by_kind(identity, k):
        add("identity_mnemonic_decode", b"\x00" + v["inputs"]["mnemonic"].encode())
        add("identity_mnemonic_decode", b"\x01" + v["inputs"]["mnemonic"].encode())
for v in by_kind(identity, "x25519_pk_from_sk") + by_kind(onion, "x25519_pk_from_sk"):
    add("identity_x25519_diff", h(v["inputs"]["x25519_sk"]))
for v in by_kind(onion, "x25519_shared_secret"):
    add("identity_x25519_diff", h(v["inputs"]["x25519_sk"]) + h(v["inputs"]["remote_x25519_pk"]))
for v in by_kind(identity, "ed25519_pk_to_x25519_pk"):
    add("identity_ed25519_to_x25519", h(v["inputs"]["ed25519_pk"]))
for v in by_kind(identity, "xed25519_verify"):
    i = v["inputs"]
    add("identity_signature_verify", b"\x01" + h(i["x25519_pk"]) + h(i["signature"]) + h(i["message"]))
for v in by_kind(identity, "unblind15"):
    i = v["inputs"]
    add("identity_blinded_id", b"\x00" + h(i["server_pk"]) + h(i["blinded_id"]))
for v in by_kind(identity, "blinded_id_matches"):
    i = v["inputs"]
    try:
        add("identity_blinded_id", b"\x01" + h(i["server_pk"]) + h(i["blinded_id"]) + h(i["account_id"])[1:])
    except ValueError:
        pass

# --- protocol -------------------------------------------------------------------------------
for v in by_kind(protocol, "session_decrypt"):
    add("protocol_decrypt_incoming", h(v["inputs"]["ciphertext"]))
VECTOR_RECIPIENT_SEED = bytes.fromhex("00112233445566778899aabbccddeeff") + bytes(16)
for v in by_kind(protocol, "session_decrypt"):
    ct = h(v["inputs"]["ciphertext"])
    add("protocol_sealed_box_diff", b"\x00" + h(v["inputs"]["ed25519_sk"])[:32] + ct)
for m in (b"", b"hello", bytes(200)):
    add("protocol_sealed_box_diff", b"\x01" + VECTOR_RECIPIENT_SEED + m)
    add("protocol_sealed_box_diff", b"\x02" + VECTOR_RECIPIENT_SEED + m)
for v in by_kind(protocol, "blinded_decrypt"):
    i = v["inputs"]
    add("protocol_blinded_decrypt", h(i["ed25519_sk"])[:32] + h(i["server_pk"]) + h(i["sender_blinded_id"])
        + h(i["recipient_blinded_id"]) + h(i["ciphertext"]))
for v in by_kind(protocol, "group_decrypt"):
    i = v["inputs"]
    head = 0x80 if i.get("signature_scheme") == "legacy" else 0
    add("protocol_group_decrypt", bytes([head]) + h(i["group_key"]) + h(i["group_ed25519_pk"]) + h(i["ciphertext"]))
add("protocol_group_decrypt", b"\x01d0:i1e1:a32:" + bytes(32) + b"1:d5:hello1:s64:" + bytes(64) + b"e")
# an empty zstd frame and a raw-block frame holding "hi"
add("protocol_group_decrypt", b"\x02" + bytes.fromhex("28b52ffd2000010000"))
add("protocol_group_decrypt", b"\x02" + bytes.fromhex("28b52ffd200211000068 69".replace(" ", "")))
for v in by_kind(protocol, "group_rekey"):
    km = h(v["expected"]["key_message"])
    add("protocol_group_key_message", b"\x00" + km)
    add("protocol_group_key_message", b"\x01" + km)
multi_sk = {}
for v in by_kind(protocol, "multi_decrypt"):
    i = v["inputs"]
    multi_sk[i["x25519_pk"]] = i["x25519_sk"]
    d = i["domain"].encode()
    add("protocol_multi_decrypt", b"\x00" + h(i["x25519_sk"]) + h(i["x25519_pk"]) + h(i["sender_x25519_pk"])
        + bytes([len(d)]) + d + h(i["nonce"]) + h(i["ciphertext"]))
for v in by_kind(protocol, "multi_encrypt_simple"):
    i = v["inputs"]
    d = i["domain"].encode()
    for pk in i["recipient_x25519_pks"]:
        if pk in multi_sk:
            add("protocol_multi_decrypt", b"\x01" + h(multi_sk[pk]) + h(pk) + h(i["x25519_pk"])
                + bytes([len(d)]) + d + h(v["expected"]["encoded"]))
for k in ("stored_message_parse", "config_message_unwrap"):
    for v in by_kind(protocol, k):
        s = h(v["inputs"]["stored_message"])
        add("protocol_storage_unwrap", b"\x01" + s)
        add("protocol_storage_unwrap", b"\x00" + base64.b64encode(s))
        add("protocol_decode_message", b"\x00" + base64.b64encode(s))
        add("protocol_decode_message", b"\x01" + s)
for v in by_kind(protocol, "message_unpad"):
    p = h(v["inputs"]["padded"])
    add("protocol_unpad", b"\x00\x00\x00" + p)
    add("protocol_unpad", b"\x01\x00\x00" + p)
for v in by_kind(protocol, "attachment_unpad"):
    add("protocol_unpad", b"\x02" + struct.pack("<H", v["inputs"]["size"]) + h(v["inputs"]["padded"]))
for v in by_kind(protocol, "ons_decrypt"):
    i = v["inputs"]
    if i.get("nonce"):
        n = i["name"].encode()
        add("protocol_symmetric_decrypt", b"\x00" + bytes([len(n)]) + n + h(i["nonce"]) + h(i["ciphertext"]))
for v in by_kind(protocol, "push_notification_decrypt"):
    add("protocol_symmetric_decrypt", b"\x01" + h(v["inputs"]["key"]) + h(v["inputs"]["payload"]))
for v in by_kind(protocol, "xchacha20_decrypt"):
    add("protocol_symmetric_decrypt", b"\x02" + h(v["inputs"]["key"]) + h(v["inputs"]["ciphertext"]))
for v in by_kind(protocol, "config_encrypt"):
    i = v["inputs"]
    if "ciphertext" in v.get("expected", {}):
        d = i["domain"].encode()
        add("protocol_symmetric_decrypt", b"\x03" + bytes([len(d)]) + d + h(i["key_base"]) + h(v["expected"]["ciphertext"]))
add("protocol_attachment_decrypt", b"\x03" + bytes(64 + 32 + 2) + bytes(16) + bytes(16) + bytes(32))
# a protobuf Envelope {type: 1, timestamp: 1, content: Content{}} for the encrypted-group mode
add("protocol_decode_message", b"\x03" + bytes.fromhex("0801280142020a00"))

# --- onion ----------------------------------------------------------------------------------
for v in by_kind(onion, "onion_request_open"):
    add("onion_peel_frame", h(v["inputs"]["server_x25519_sk"]) + h(v["inputs"]["request"]))
for v in by_kind(onion, "omq_onion_relay_encode"):
    add("onion_relay_message", h(v["expected"]["encoded"]))
for v in by_kind(onion, "onion_layer_route"):
    add("onion_route_parse", b"\x01" + h(v["inputs"]["plaintext"]))
for v in by_kind(onion, "onion_request_build"):
    add("onion_route_parse", b"\x01" + h(v["inputs"]["payload"]))
for v in by_kind(onion, "hop_decrypt"):
    i = v["inputs"]
    sk, other = ((i["server_x25519_sk"], i["client_x25519_pk"]) if "server_x25519_sk" in i
                 else (i["client_x25519_sk"], i["server_x25519_pk"]))
    add("onion_hop_decrypt", bytes([ENC[i["enc_type"]]]) + h(sk) + h(other) + h(i["ciphertext"]))
for v in by_kind(onion, "onion_response_decrypt"):
    i = v["inputs"]
    formats = [0] if i["destination_type"] == "snode" else [1, 2]
    for f in formats:
        head = f | (ENC[i["enc_type"]] << 2)
        add("onion_response_decrypt", bytes([head]) + struct.pack("<H", 200) + h(i["client_x25519_sk"])
            + h(i["server_x25519_pk"]) + h(i["response"]))
for f in range(3):
    for body in (b'{"status":200,"body":"{\\"results\\":[{\\"code\\":421}]}"}',
                 b'l24:{"code":200,"headers":{}}2:{}e', b'{"status_code":421,"body":"x"}'):
        add("onion_response_decrypt", bytes([0x80 | f | 4]) + struct.pack("<H", 200) + bytes(64) + body)
add("onion_response_decrypt", bytes([0]) + struct.pack("<H", 502) + bytes(64)
    + b"Next node not found: " + b"ab" * 32)
for v in by_kind(onion, "v4_response_parse"):
    add("onion_v4_response_parse", h(v["inputs"]["encoded"]))

# --- bencode, swarm ---------------------------------------------------------------------------
benc = set()
bencoded(every, benc)
for b in sorted(benc):
    add("bencode_decode", b)
for v in by_kind(swarm, "bt_request_stream_frame"):
    add("swarm_bt_frame", h(v["expected"]["frame"]))
add("swarm_bt_frame", b'22:l1:Ri0e12:[200,"body"]e')
add("swarm_bt_frame", b"29:l1:Ei0e18:421 Misdirected\n\n{}e")
for v in by_kind(swarm, "active_nodes_bin_record"):
    r = h(v["expected"]["record"])
    add("swarm_node_list", b"\x07" + r)
    add("swarm_node_list", b"\x04" + r + r)
pk = "17cb79fb2b4120f2b1ec65e4198d6e08b28e813feb01e4a400839b85e180a68f"
node = {"pubkey_ed25519": pk, "public_ip": "1.2.3.4", "storage_port": 443, "storage_lmq_port": 22020,
        "swarm_id": 7, "pubkey_x25519": "00" * 32}
add("swarm_node_list", b"\x00" + json.dumps({"snodes": [{"pubkey_ed25519": pk, "ip": "1.2.3.4", "port": "443",
                                                          "port_omq": "22020"}], "swarm": "7", "t": 1}).encode())
add("swarm_node_list", b"\x01" + json.dumps({"result": {"service_node_states": [node]}}).encode())
add("swarm_node_list", b"\x02\x10application/json" + json.dumps({"result": {"service_node_states": [node]}}).encode())
add("swarm_node_list", b"\x05" + f"{pk}|1.2.3.4|443|22020|7|2.8.0\n".encode())
add("swarm_node_list", b"\x06" + f"{pk}|1.2.3.4|443|22020|7|2.8.0".encode())
for v in by_kind(swarm, "oxend_request_bt_body"):
    add("bencode_decode", h(v["expected"]["body"]))
rpc = [
    (0, 200, b"{}"), (0, 421, b'{"snodes":[]}'), (1, 0, b"400 Bad Request"),
    (2, 0, b"Next node not found: " + pk.encode()),
    (3, 0, json.dumps({"messages": [{"hash": "aGFzaA", "data": "AAAA", "timestamp": 1, "expiration": 2}],
                       "more": False, "t": 1}).encode()),
    (4, 0, b'{"version":[2,8,0],"timestamp":1,"hf":[19,3]}'),
    (5, 0, b'{"expiries":{"aGFzaA":123}}'),
    (6, 0, b'{"results":[{"code":200,"body":{}},{"code":421,"body":"x"}]}'),
    (7, 0, json.dumps({"swarm": {pk: {"deleted": ["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"], "signature": "AA=="},
                                 "ab" * 32: {"failed": True, "code": 421}}, "t": 1}).encode()),
]
# pool: ensure paths, a failure naming a hop, a 421 with an answer, path selection
add("swarm_pool_ops", bytes([0, 0, 0xc1, 3, 0, 0, 0, 3, 2, 2]) + b'{}' + bytes([1, 7, 5]))
# the same operations with subnet diversity (first byte odd)
add("swarm_pool_ops", bytes([1, 0, 0xc1, 3, 0, 0, 0, 3, 2, 2]) + b'{}' + bytes([1, 7, 5]))
for which, status, body in rpc:
    add("swarm_rpc_response", bytes([which]) + struct.pack("<H", status) + body)
for v in by_kind(swarm, "closest_swarm"):
    key = h(v["inputs"]["account_id"])[1:]
    x = 0
    for k in range(4):
        x ^= struct.unpack(">Q", key[8 * k:8 * k + 8])[0]
    ids = b"".join(struct.pack("<Q", int(s)) for s in v["inputs"]["swarm_ids"])
    add("swarm_lookup_diff", struct.pack("<Q", x) + ids)
for v in by_kind(swarm, "swarm_space"):
    add("swarm_id_parse", v["inputs"]["account_id"])
# swarm_server_request: every signed request of the vectors as a client sends it (signatures
# valid at the target's clock, 1 700 000 000 000 ms), subaccount and (un)revoke included.
for v in by_kind(swarm, "storage_request_signature"):
    i, inter = v["inputs"], v.get("intermediate", {})
    m = i["method"]
    p = {"pubkey": i["account_id"], "signature": v["expected"]["signature_b64"]}
    if "pubkey_ed25519_param" in inter and i["account_id"].startswith("05"):
        p["pubkey_ed25519"] = inter["pubkey_ed25519_param"]
    if "subaccount_b64" in inter:
        p["subaccount"], p["subaccount_sig"] = inter["subaccount_b64"], inter["subaccount_sig_b64"]
    for k in ("namespace", "timestamp", "before", "expiry", "shorten"):
        if k in i:
            p[k] = i[k]
    if "hashes" in i:
        p["messages"] = i["hashes"]
    if m == "store":
        p.update({"timestamp": i["sig_timestamp"], "ttl": 86_400_000, "data": "aGVsbG8="})
    if m.endswith("revoke_subaccount"):
        key = "unrevoke" if m.startswith("un") else "revoke"
        p[key] = [base64.b64encode(h(t)).decode() for t in i["tokens"]]
    add("swarm_server_request", json.dumps({"method": m, "params": p}))
    add("swarm_server_request", json.dumps({"method": "batch", "params": {"requests": [{"method": m, "params": p}]}}))
add("swarm_server_request", b'{"method":"info","params":{}}')
add("swarm_server_request", json.dumps({"method": "get_swarm", "params": {"pubkey": "05" + "ab" * 32}}))
add("swarm_server_request", b'{"method":"oxend_request","params":{"endpoint":"get_service_nodes","params":{"fields":{"public_ip":true}}}}')
add("swarm_seed_json_rpc", b'{"jsonrpc":"2.0","id":"0","method":"get_n_service_nodes","params":{"active_only":true,"fields":{"public_ip":true,"storage_port":true,"pubkey_ed25519":true,"pubkey_x25519":true,"swarm_id":true}}}')
add("swarm_seed_json_rpc", b'{"method":"get_service_nodes","params":{"limit":2}}')
# swarm_peer_request: a request signed by the known sender (seed 01…), one by a stranger (02…,
# the recipient itself) and one with a bad signature; pk, timestamp, signature, body split at NUL.
try:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    def ed_key(b):
        k = Ed25519PrivateKey.from_private_bytes(bytes([b]) * 32)
        return k, k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    (sender, sender_hex), (me, me_hex) = ed_key(1), ed_key(2)
    body = b'{"method":"store","params":{}}'
    msg = b"POST/sn/storage1700000000000" + me_hex.encode() + hashlib.sha256(body).digest()
    for key, key_hex in ((sender, sender_hex), (me, me_hex)):
        sig = base64.b64encode(key.sign(msg)).decode()
        add("swarm_peer_request", "\0".join([key_hex, "1700000000000", sig]).encode() + b"\0" + body)
    add("swarm_peer_request", "\0".join([sender_hex, "1700000000000", "A" * 86 + "=="]).encode() + b"\0" + body)
except ImportError:  # python3-cryptography missing: no signed seeds
    pass

# --- community --------------------------------------------------------------------------------
community = load("community")
for v in by_kind(community, "sogs_auth_verify"):
    i = v["inputs"]
    hd = i["headers"]
    fields = [hd.get(n) for n in ("X-SOGS-Pubkey", "X-SOGS-Timestamp", "X-SOGS-Nonce", "X-SOGS-Signature")]
    if None in fields:
        continue
    rest = fields + [i["method"], i["path"], h(i.get("body", "")).decode("latin-1")]
    flag = 0 if i["require_blind_keys"] else 1
    add("community_auth_verify", bytes([flag]) + b"\0".join(x.encode("latin-1") for x in rest))
for v in by_kind(community, "sogs_message_verify"):
    i = v["inputs"]
    msg = {"id": 1, "seqno": 2, "posted": 1.5, "session_id": i["session_id"],
           "data": base64.b64encode(h(i["data"])).decode(), "signature": base64.b64encode(h(i["signature"])).decode()}
    add("community_server_answer", bytes([0, 100]) + json.dumps([msg]).encode())
add("community_server_answer", bytes([3, 1]) + b'{"capabilities":["sogs"],"missing":["x"]}')
add("community_server_answer", bytes([4, 50]) + b'[{"code":200,"headers":{"content-type":"application/json"},"body":[]},{"code":304,"headers":{},"body":""}]')
info = b'{"code":200,"headers":{}}'
add("community_server_answer", bytes([6, 0]) + b"l%d:%s2:[]e" % (len(info), info))
add("community_join_url", "https://open.example.org/lounge?public_key=" + "a0" * 32)
add("community_join_url", "http://127.0.0.2:8080/test_room-1?public_key=" + "A0" * 32)
add("community_v4_request", b"\0" + b'l63:{"endpoint":"/room/test/reaction/7/%F0%9F%8E%82","method":"PUT"}2:{}e')
add("community_v4_request", b"\1" + b'[{"method":"GET","path":"/capabilities"},{"method":"POST","path":"/x","b64":"AAE="}]')
# community_server: records `flags ‖ path 0x00 body` split at 0xff (flags: method, signed, user,
# v4 frame, raw frame); a post, a reaction, a poll with t=r, a batch, a DM, moderation, pins.
SIG = base64.b64encode(bytes(64))
POST = b'{"data":"AAAA","signature":"' + SIG + b'"}'
server_records = [
    bytes([0]) + b"capabilities?required=sogs,x",
    bytes([5]) + b"room/lobby/message\0" + POST,
    bytes([6 | 8]) + b"room/lobby/reaction/1/%F0%9F%91%8D\0{}",
    bytes([4]) + b"room/lobby/messages/since/0?t=r&reactors=5",
    bytes([4 | 0x40]) + b"room/lobby/messages/recent?limit=3",
    bytes([5 | 8]) + b'batch\0[{"method":"GET","path":"/room/lobby"},{"method":"POST","path":"/room/lobby/message","json":' + POST + b"}]",
    bytes([5]) + b'inbox/15' + b"ab" * 32 + b'\0{"message":"AAAA"}',
    bytes([5]) + b"user/15" + b"ab" * 32 + b'/ban\0{"rooms":["*"]}',
    bytes([5]) + b"room/lobby/pin/1\0{}",
    bytes([7 | 8]) + b"room/lobby/message/1",
    bytes([5 | 0x40]) + b"room/lobby/file\0file bytes",
]
for r in server_records:
    add("community_server", r)
add("community_server", b"\xff".join(server_records))

# --- config -----------------------------------------------------------------------------------
config = load("config")
KINDS = ["user_profile", "contacts", "convo_info_volatile", "user_groups", "group_info", "group_members"]
msgs = [h(v["inputs"]["message"]) for v in by_kind(config, "config_message_parse")]
msgs += [h(v["expected"]["message"]) for v in by_kind(config, "config_message_build")]
for m in msgs:
    add("config_message_parse", bytes([4]) + m)
    add("config_typed_decode", bytes([len(m) % 6]) + m)
for v in by_kind(config, "config_message_merge"):
    add("config_merge", b"\xff".join(h(m) for m in v["inputs"]["messages"]))
for v in by_kind(config, "config_push"):
    kind = KINDS.index(v["inputs"]["config_type"])
    add("config_payload_decode", bytes([kind]) + h(v["expected"]["payload"]))
    add("config_typed_decode", bytes([kind]) + h(v["expected"]["message"]))
for v in by_kind(config, "config_payload_decode"):
    add("config_payload_decode", bytes([0]) + h(v["inputs"]["payload"]))

# --- write ----------------------------------------------------------------------------------
targets = sorted(f[:-3] for f in os.listdir(os.path.join(HERE, "fuzz_targets")) if f.endswith(".rs"))
for t in targets:
    d = os.path.join(CORPUS, t)
    os.makedirs(d, exist_ok=True)
    for data in sorted(corpus.get(t, ())):
        with open(os.path.join(d, "seed-" + hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
for t in sorted(corpus):
    assert t in targets, "seeds for an unknown target " + t
print("\n".join(f"{t}: {len(corpus.get(t, ()))} seeds" for t in targets))
