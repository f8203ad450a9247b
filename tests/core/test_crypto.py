"""SM2/SM3/SM4 provider, keyring, sealing and password hashing (security req. 5, 19, 20; Art 15, 32, 33)."""

from __future__ import annotations

import base64
import hashlib
import json
import stat

import gmssl_pyx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.core.crypto import (
    CryptoError,
    CryptoSelfTestError,
    Keyring,
    KeyringError,
    KeyringExistsError,
    KeyringMissingError,
    SealError,
    blind_index,
    blind_indexes,
    get_provider,
    keyring_init,
    keyring_rotate,
    load_keyring,
    reset_keyring_cache,
    run_self_tests,
    seal,
    sealed_key_id,
    unseal,
)
from xinyong.core.crypto.software import SoftwareProvider, pbkdf2_generic

pytestmark = pytest.mark.articles("Art 15")

CONTEXT = "subjects.Subject.identifier"
ID_NUMBER = "130802199005060018"


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    """A fresh keyring in a temporary directory, selected through XINYONG_KEY_FILE."""
    path = tmp_path / "keys" / "keyring.json"
    monkeypatch.setenv("XINYONG_KEY_FILE", str(path))
    monkeypatch.delenv("XINYONG_KEYRING", raising=False)
    monkeypatch.delenv("XINYONG_CRYPTO_PROVIDER", raising=False)
    reset_keyring_cache()
    keyring_init(path)
    yield path
    reset_keyring_cache()  # later tests must not see this temporary keyring


@pytest.fixture
def provider():
    return SoftwareProvider()


# --- known answers --------------------------------------------------------------------------------------


def test_self_tests_pass_for_the_software_provider(provider):
    run_self_tests(provider)


def test_sm3_known_answer_gb_t_32905(provider):
    assert provider.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert provider.sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm4_known_answer_gb_t_32907(provider):
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    assert provider.sm4_encrypt_block_for_selftest(key, key).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_gcm_known_answer_rfc_8998(provider):
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    nonce = bytes.fromhex("00001234567800000000abcd")
    aad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    plaintext = bytes.fromhex("aa" * 8 + "bb" * 8 + "cc" * 8 + "dd" * 8 + "ee" * 8 + "ff" * 8 + "ee" * 8 + "aa" * 8)
    sealed = provider.sm4_gcm_encrypt(key, nonce, plaintext, aad)
    assert sealed[-16:].hex() == "83de3541e4c2b58177e065a9bf7b62ec"
    assert sealed[:16].hex() == "17f399f08c67d5ee19d0dc9969c4bb7d"
    # GmSSL, an independent implementation, agrees.
    assert gmssl_pyx.sm4_gcm_encrypt(key, nonce, aad, plaintext) == (sealed[:-16], sealed[-16:])


@settings(max_examples=30, deadline=None)
@given(key=st.binary(min_size=1, max_size=100), data=st.binary(max_size=300))
def test_hmac_sm3_agrees_with_gmssl(key, data):
    assert SoftwareProvider().hmac_sm3(key, data) == gmssl_pyx.sm3_hmac(key, data)


def test_hmac_sm3_refuses_an_empty_key(provider):
    with pytest.raises(CryptoError):
        provider.hmac_sm3(b"", b"data")


def test_hmac_sm3_known_answer(provider):
    expected = "2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882"
    assert provider.hmac_sm3(b"Jefe", b"what do ya want for nothing?").hex() == expected
    assert gmssl_pyx.sm3_hmac(b"Jefe", b"what do ya want for nothing?").hex() == expected


@pytest.mark.parametrize(("iterations", "length"), [(1, 32), (2, 32), (1000, 48), (3, 100)])
def test_pbkdf2_sm3_is_cross_checked(provider, iterations, length):
    ours = provider.pbkdf2_sm3(b"password", b"salt", iterations, length)
    assert ours == pbkdf2_generic(gmssl_pyx.sm3_hmac, b"password", b"salt", iterations, length)  # GmSSL HMAC
    assert ours == hashlib.pbkdf2_hmac("sm3", b"password", b"salt", iterations, length)  # OpenSSL
    assert len(ours) == length


def test_pbkdf2_fallback_matches_native(provider):
    fallback = SoftwareProvider()
    fallback._native_pbkdf2 = False
    assert fallback.pbkdf2_sm3(b"pw", b"NaCl", 50, 64) == provider.pbkdf2_sm3(b"pw", b"NaCl", 50, 64)


def test_sm4_gcm_round_trip_and_tamper_detection(provider):
    key, nonce = provider.random_bytes(16), provider.random_bytes(12)
    sealed = provider.sm4_gcm_encrypt(key, nonce, b"secret", b"ctx")
    assert provider.sm4_gcm_decrypt(key, nonce, sealed, b"ctx") == b"secret"
    for i in range(len(sealed)):
        tampered = bytearray(sealed)
        tampered[i] ^= 0x80
        with pytest.raises(CryptoError):
            provider.sm4_gcm_decrypt(key, nonce, bytes(tampered), b"ctx")
    with pytest.raises(CryptoError):
        provider.sm4_gcm_decrypt(key, nonce, sealed, b"other")
    with pytest.raises(CryptoError):
        provider.sm4_gcm_decrypt(key, nonce, sealed[:10], b"ctx")
    with pytest.raises(CryptoError):
        provider.sm4_gcm_encrypt(key[:8], nonce, b"x", b"")


def test_sm2_sign_verify_and_one_bit_change(provider):
    private_key, public_key = provider.sm2_generate_keypair()
    assert len(private_key) == 96 and len(public_key) == 64 and private_key[32:] == public_key
    signature = provider.sm2_sign(private_key, b"checkpoint 42")
    assert provider.sm2_verify(public_key, b"checkpoint 42", signature)
    assert not provider.sm2_verify(public_key, b"checkpoint 43", signature)
    assert not provider.sm2_verify(public_key, b"checkpoint 42", signature[:-1] + bytes([signature[-1] ^ 1]))
    assert not provider.sm2_verify(public_key, b"checkpoint 42", b"garbage")
    assert not provider.sm2_verify(b"\x04" + bytes(64), b"checkpoint 42", signature)
    # Interoperable: GmSSL verifies with the default signer id 1234567812345678.
    assert gmssl_pyx.sm2_verify(public_key, b"checkpoint 42", signature, b"1234567812345678")
    # SM2 signatures are randomised (GmSSL's CSPRNG picks the nonce): two signatures differ.
    assert provider.sm2_sign(private_key, b"checkpoint 42") != signature


def test_random_bytes(provider):
    assert len(provider.random_bytes(32)) == 32
    assert provider.random_bytes(16) != provider.random_bytes(16)


@pytest.mark.parametrize(
    "method",
    ["sm3", "sm4_encrypt_block_for_selftest", "sm4_gcm_decrypt", "sm2_verify", "hmac_sm3", "pbkdf2_sm3"],
)
def test_self_tests_catch_a_broken_provider(method):
    class Broken(SoftwareProvider):
        pass

    broken = {
        "sm3": lambda self, data: bytes(32),
        "sm4_encrypt_block_for_selftest": lambda self, key, block: bytes(16),
        # A decryptor that ignores the tag: must be caught by the tamper checks.
        "sm4_gcm_decrypt": lambda self, key, nonce, data, aad: b"\xaa" * 8 + b"\xbb" * 8 + b"\xcc" * 8
        + b"\xdd" * 8 + b"\xee" * 8 + b"\xff" * 8 + b"\xee" * 8 + b"\xaa" * 8,
        "sm2_verify": lambda self, public_key, message, signature: True,
        "hmac_sm3": lambda self, key, data: bytes(32),
        "pbkdf2_sm3": lambda self, password, salt, iterations, length=32: bytes(length),
    }
    setattr(Broken, method, broken[method])
    with pytest.raises(CryptoSelfTestError):
        run_self_tests(Broken())


def test_self_test_reports_a_crash_as_failure():
    class Crashing(SoftwareProvider):
        def sm2_generate_keypair(self):
            raise RuntimeError("device unplugged")

    with pytest.raises(CryptoSelfTestError, match="RuntimeError"):
        run_self_tests(Crashing())


def test_provider_selection(monkeypatch):
    monkeypatch.delenv("XINYONG_CRYPTO_PROVIDER", raising=False)
    assert isinstance(get_provider(), SoftwareProvider)
    assert get_provider() is get_provider()
    monkeypatch.setenv("XINYONG_CRYPTO_PROVIDER", "software")
    assert isinstance(get_provider(), SoftwareProvider)
    monkeypatch.setenv("XINYONG_CRYPTO_PROVIDER", "hsm")
    with pytest.raises(NotImplementedError, match="hardware security module provider is configured but not"):
        get_provider()
    monkeypatch.setenv("XINYONG_CRYPTO_PROVIDER", "nonsense")
    with pytest.raises(CryptoError):
        get_provider()


# --- keyring ---------------------------------------------------------------------------------------------


def test_keyring_init_writes_a_private_file_with_one_active_key_per_purpose(key_file):
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    data = json.loads(key_file.read_text())
    assert data["format"] == "xinyong-keyring/1"
    for purpose, size in (("data", 16), ("index", 32), ("signing", 96)):
        (entry,) = data[purpose]
        assert entry["status"] == "active" and entry["id"].startswith(f"{purpose}-")
        assert entry["created"].endswith("Z")
        assert len(base64.b64decode(entry["material"])) == size
    keyring = load_keyring()
    assert keyring.active("signing").public == keyring.active("signing").material[32:]


def test_keyring_init_refuses_to_overwrite(key_file):
    before = key_file.read_bytes()
    with pytest.raises(KeyringExistsError, match="refusing to overwrite"):
        keyring_init(key_file)
    with pytest.raises(KeyringExistsError):
        keyring_init()  # the same file through XINYONG_KEY_FILE
    assert key_file.read_bytes() == before


def test_missing_keyring_tells_the_operator_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("XINYONG_KEY_FILE", str(tmp_path / "nowhere.json"))
    monkeypatch.delenv("XINYONG_KEYRING", raising=False)
    reset_keyring_cache()
    try:
        with pytest.raises(KeyringMissingError, match="xinyong keys init"):
            load_keyring()
        with pytest.raises(KeyringMissingError):
            seal(ID_NUMBER, context=CONTEXT)
    finally:
        reset_keyring_cache()


def test_keyring_readable_by_others_is_refused(key_file):
    key_file.chmod(0o644)
    reset_keyring_cache()
    with pytest.raises(KeyringError, match="chmod 600"):
        load_keyring()


def test_keyring_from_environment(key_file, monkeypatch, tmp_path):
    content = key_file.read_text()
    monkeypatch.setenv("XINYONG_KEYRING", content)
    monkeypatch.setenv("XINYONG_KEY_FILE", str(tmp_path / "absent.json"))
    reset_keyring_cache()
    keyring = load_keyring()
    assert keyring.active("data").id == json.loads(content)["data"][0]["id"]
    monkeypatch.setenv("XINYONG_KEYRING", "{not json")
    with pytest.raises(KeyringError):
        load_keyring()


def test_keyring_never_shows_key_material(key_file):
    keyring = load_keyring()
    material = keyring.active("data").material
    for text in (repr(keyring), repr(keyring.active("data")), str(keyring.active("index"))):
        assert material.hex() not in text and base64.b64encode(material).decode() not in text
        assert "material=" not in text


def test_malformed_keyrings_are_rejected():
    with pytest.raises(KeyringError):
        Keyring.from_dict({"format": "other"})
    with pytest.raises(KeyringError):
        Keyring.from_dict({"format": "xinyong-keyring/1", "data": [], "index": [], "signing": []})


def test_load_keyring_is_cached_and_notices_rotation(key_file):
    first = load_keyring()
    assert load_keyring() is first
    keyring_rotate(key_file, "data")
    assert load_keyring() is not first
    assert load_keyring().active("data").id != first.active("data").id


# --- sealing ---------------------------------------------------------------------------------------------


@pytest.mark.articles("Art 17")
@settings(max_examples=25, deadline=None)
@given(plaintext=st.text(max_size=60))
def test_seal_round_trip(plaintext, tmp_path_factory):
    path = tmp_path_factory.getbasetemp() / "hypothesis-keyring.json"
    if not path.exists():
        keyring_init(path)
    keyring = load_keyring(path)
    try:
        token = seal(plaintext, context=CONTEXT, keyring=keyring)
        assert token.isascii()
        assert unseal(token, context=CONTEXT, keyring=keyring) == plaintext
    finally:
        reset_keyring_cache()


def test_seal_token_format_and_fresh_nonce(key_file):
    token = seal(ID_NUMBER, context=CONTEXT)
    prefix, key_id, body = token.split(":")
    assert prefix == "sm4gcm1"
    assert key_id == load_keyring().active("data").id == sealed_key_id(token)
    assert set(body) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert ID_NUMBER not in token
    assert seal(ID_NUMBER, context=CONTEXT) != token  # fresh random nonce every time
    assert unseal(token, context=CONTEXT) == ID_NUMBER


@pytest.mark.articles("Art 17")
def test_tampered_token_is_refused(key_file):
    token = seal(ID_NUMBER, context=CONTEXT)
    prefix, key_id, body = token.split(":")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    for position in (0, 12, len(raw) // 2, len(raw) - 1):  # nonce, ciphertext, middle, tag
        changed = bytearray(raw)
        changed[position] ^= 0x01
        forged = f"{prefix}:{key_id}:{base64.urlsafe_b64encode(bytes(changed)).decode().rstrip('=')}"
        with pytest.raises(SealError) as excinfo:
            unseal(forged, context=CONTEXT)
        assert ID_NUMBER not in str(excinfo.value)
    for broken in (token[:-6], f"{prefix}:{key_id}:", "plaintext", f"{prefix}:{key_id}:!!!!", token + ":x"):
        with pytest.raises(SealError):
            unseal(broken, context=CONTEXT)


@pytest.mark.articles("Art 17")
def test_wrong_context_is_refused(key_file):
    token = seal(ID_NUMBER, context=CONTEXT)
    with pytest.raises(SealError, match="context") as excinfo:
        unseal(token, context="accounts.User.phone")
    assert ID_NUMBER not in str(excinfo.value)
    with pytest.raises(SealError):
        seal(ID_NUMBER, context="")


def test_unknown_key_id_is_refused(key_file):
    token = seal(ID_NUMBER, context=CONTEXT)
    body = token.split(":")[2]
    with pytest.raises(SealError, match="unknown data key"):
        unseal(f"sm4gcm1:data-19990101-0000:{body}", context=CONTEXT)
    # Relabelling a ciphertext with another existing key id fails authentication.
    keyring_rotate(key_file, "data")
    new_id = load_keyring().active("data").id
    with pytest.raises(SealError):
        unseal(f"sm4gcm1:{new_id}:{body}", context=CONTEXT)


def test_rotation_keeps_old_ciphertext_readable_and_seals_with_the_new_key(key_file):
    old_token = seal(ID_NUMBER, context=CONTEXT)
    old_id = sealed_key_id(old_token)
    rotated = keyring_rotate(key_file, "data")
    new_id = rotated.active("data").id
    assert new_id != old_id
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    statuses = {k.id: k.status for k in load_keyring().keys("data")}
    assert statuses == {old_id: "retired", new_id: "active"}
    assert unseal(old_token, context=CONTEXT) == ID_NUMBER
    new_token = seal(ID_NUMBER, context=CONTEXT)
    assert sealed_key_id(new_token) == new_id
    assert unseal(new_token, context=CONTEXT) == ID_NUMBER
    # Other purposes are untouched by a data-key rotation.
    assert [k.status for k in load_keyring().keys("index")] == ["active"]


def test_signing_key_rotation_keeps_old_public_keys(key_file):
    provider = get_provider()
    old = load_keyring().active("signing")
    signature = provider.sm2_sign(old.material, b"checkpoint")
    keyring_rotate(key_file, "signing")
    keyring = load_keyring()
    assert keyring.active("signing").id != old.id
    assert provider.sm2_verify(keyring.get("signing", old.id).public, b"checkpoint", signature)


def test_rotation_of_a_missing_keyring_or_unknown_purpose_fails(tmp_path, key_file):
    with pytest.raises(KeyringMissingError):
        keyring_rotate(tmp_path / "none.json", "data")
    with pytest.raises(KeyringError):
        keyring_rotate(key_file, "payroll")


# --- blind index -----------------------------------------------------------------------------------------


@pytest.mark.articles("Art 17")
def test_blind_index_is_deterministic_keyed_and_kind_separated(key_file, tmp_path):
    index = blind_index("id", ID_NUMBER)
    assert index == blind_index("id", ID_NUMBER)
    assert len(index) == 64 and int(index, 16) >= 0
    assert index != blind_index("passport", ID_NUMBER)
    assert index != blind_index("id", "130802199005060026")
    # Keyed: an unkeyed SM3 of the number is not the index, and another keyring gives another index.
    assert index != get_provider().sm3(f"id\x1f{ID_NUMBER}".encode()).hex()
    other = keyring_init(tmp_path / "other" / "keyring.json")
    assert blind_index("id", ID_NUMBER, keyring=other) != index


def test_blind_index_after_index_key_rotation(key_file):
    old_index = blind_index("id", ID_NUMBER)
    keyring_rotate(key_file, "index")
    new_index = blind_index("id", ID_NUMBER)
    assert new_index != old_index
    assert blind_indexes("id", ID_NUMBER) == [new_index, old_index]


# --- password hasher -------------------------------------------------------------------------------------


@pytest.fixture
def hasher():
    from django.conf import settings as django_settings

    if not django_settings.configured:
        django_settings.configure()
    from xinyong.core.crypto.hashers import PBKDF2SM3PasswordHasher

    return PBKDF2SM3PasswordHasher()


def test_password_hasher_verifies_and_rejects(hasher):
    encoded = hasher.encode("correct horse battery staple", hasher.salt())
    algorithm, iterations, _salt, digest = encoded.split("$")
    assert algorithm == "pbkdf2_sm3"
    assert int(iterations) == hasher.iterations >= 100_000
    assert len(base64.b64decode(digest)) == 32
    assert hasher.verify("correct horse battery staple", encoded)
    assert not hasher.verify("correct horse battery stapler", encoded)
    assert not hasher.verify("correct horse battery staple", "pbkdf2_sm3$broken")
    # Random salt: the same password never produces the same stored value.
    assert hasher.encode("correct horse battery staple", hasher.salt()) != encoded
    assert not hasher.must_update(encoded)
    summary = hasher.safe_summary(encoded)
    assert digest not in str(summary.values())


def test_password_hasher_known_answer(hasher):
    expected = base64.b64encode(get_provider().pbkdf2_sm3(b"pw", b"saltsaltsalt", 100_000, 32)).decode()
    assert hasher.encode("pw", "saltsaltsalt", 100_000) == f"pbkdf2_sm3$100000$saltsaltsalt${expected}"
    assert base64.b64decode(expected) == hashlib.pbkdf2_hmac("sm3", b"pw", b"saltsaltsalt", 100_000)


def test_password_hasher_must_update_when_iterations_change(hasher):
    old = hasher.encode("pw-for-upgrade", hasher.salt(), 100_000)
    assert hasher.verify("pw-for-upgrade", old)
    assert hasher.must_update(old)
    hasher.harden_runtime("pw-for-upgrade", old)  # runs the missing iterations, must not raise


def test_password_hasher_is_the_configured_default(hasher):
    from django.conf import settings as django_settings

    if getattr(django_settings, "PASSWORD_HASHERS", None) != [
        "xinyong.core.crypto.hashers.PBKDF2SM3PasswordHasher"
    ]:
        pytest.skip("project settings are not loaded")
    from django.contrib.auth.hashers import check_password, make_password

    encoded = make_password("a long passphrase 2026")
    assert encoded.startswith("pbkdf2_sm3$")
    assert check_password("a long passphrase 2026", encoded)
