# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers for integration suites. Tests run with `set -e`; a helper that finds
# a problem prints it and returns 1.

pm() { "$PEERMAIL_BIN" "$@"; }

fail() { echo "FAILED: $*" >&2; return 1; }

# expect_exit CODE CMD...: run CMD with stdout to ./out, stderr to ./err, and
# require exit status CODE.
expect_exit() {
  local want=$1
  shift
  local rc=0
  "$@" >out 2>err || rc=$?
  if [ "$rc" != "$want" ]; then
    echo "command: $*" >&2
    echo "--- stdout" >&2; head -c 4000 out >&2
    echo "--- stderr" >&2; head -c 4000 err >&2
    fail "expected exit $want, got $rc"
  fi
}

# expect_contains FILE TEXT: FILE must contain TEXT (fixed string).
expect_contains() {
  grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; head -c 4000 "$1" >&2; fail "$1 does not contain: $2"; }
}

# expect_not_contains FILE TEXT: FILE must not contain TEXT.
expect_not_contains() {
  if grep -qF -- "$2" "$1"; then fail "$1 contains: $2"; fi
}

# expect_eq ACTUAL EXPECTED [WHAT]
expect_eq() {
  [ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

need_cmd() {
  command -v "$1" >/dev/null 2>&1 || { echo "$1 not found"; return 1; }
}

probe_gpg() { need_cmd gpg && need_cmd gpgconf; }
probe_smtp() { /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || { echo "python3-aiosmtpd missing"; return 1; }; need_cmd openssl; }

# --- GnuPG -----------------------------------------------------------------

_cleanup_homes=()
_cleanup_pids=()

# gpg_home_new: create a throwaway GNUPGHOME (short path, 0700) and export it.
gpg_home_new() {
  GNUPGHOME=$(mktemp -d /tmp/pmg.XXXXXX)
  chmod 700 "$GNUPGHOME"
  export GNUPGHOME
  cat >"$GNUPGHOME/gpg.conf" <<CONF
no-emit-version
personal-digest-preferences SHA512 SHA384 SHA256
cert-digest-algo SHA256
CONF
  cat >"$GNUPGHOME/gpg-agent.conf" <<CONF
disable-scdaemon
allow-loopback-pinentry
CONF
  echo "$GNUPGHOME" >>"$SUITE_DIR/.gnupghomes"
}

# gpgsm_import_p12 KEY CERT [FPR]: import the private key in PEM file KEY
# and the certificate in PEM file CERT into gpgsm in $GNUPGHOME, without a
# passphrase; succeed once the secret key arrived (the one of certificate
# FPR, or one more than before). gpgsm 2.2 reads only legacy PBE-SHA1-3DES
# PKCS #12, and its reader rejects about one file in fifty for its salt (CI
# saw it): each try packs a fresh file (new salts, the public certificate
# unencrypted), and gpg-agent is started first.
gpgsm_import_p12() {
  local before i p12="$GNUPGHOME/import.p12"
  gpgconf --launch gpg-agent 2>/dev/null || true
  before=$(gpgsm --list-secret-keys --with-colons 2>/dev/null | grep -c '^crs:' || true)
  for i in 1 2 3; do
    openssl pkcs12 -export -inkey "$1" -in "$2" -passout pass: -keypbe PBE-SHA1-3DES \
      -certpbe NONE -macalg sha1 -out "$p12" || return 1
    echo | gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 --import "$p12" \
      2>"$GNUPGHOME/import.err" || true
    rm -f "$p12"
    if [ -n "${3:-}" ]; then
      gpgsm --list-secret-keys --with-colons "$3" 2>/dev/null | grep -q '^crs:' && return 0
    elif [ "$(gpgsm --list-secret-keys --with-colons 2>/dev/null | grep -c '^crs:' || true)" \
      -gt "$before" ]; then
      return 0
    fi
    echo "gpgsm_import_p12: try $i did not import the key" >&2
  done
  cat "$GNUPGHOME/import.err" >&2
  return 1
}

# gpg_home_copy: copy $GNUPGHOME (without agent sockets) into a new throwaway
# home and export it, for a test that changes the keyring.
gpg_home_copy() {
  local src=$GNUPGHOME
  GNUPGHOME=$(mktemp -d /tmp/pmg.XXXXXX)
  chmod 700 "$GNUPGHOME"
  tar -C "$src" --exclude='S.*' -cf - . | tar -C "$GNUPGHOME" -xf -
  export GNUPGHOME
  echo "$GNUPGHOME" >>"$SUITE_DIR/.gnupghomes"
}

# gpg_weak_key NAME EMAIL: make an RSA-1024 key (below 112-bit security,
# KEY-01) in a throwaway home, import its public key into $GNUPGHOME and print
# its fingerprint.
gpg_weak_key() {
  local home fpr
  home=$(mktemp -d /tmp/pmg.XXXXXX)
  chmod 700 "$home"
  echo "$home" >>"$SUITE_DIR/.gnupghomes"
  GNUPGHOME=$home gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key "$1 <$2>" rsa1024 sign,cert,encr 2y 2>/dev/null
  fpr=$(GNUPGHOME=$home gpg --with-colons --list-keys "=$1 <$2>" | awk -F: '/^fpr:/ {print $10; exit}')
  GNUPGHOME=$home gpg --batch --armor --export "$fpr" 2>/dev/null | gpg --batch --quiet --import 2>/dev/null
  echo "$fpr"
}

# gpg_gen_key NAME EMAIL [ALGO] [EXPIRE]: create a key without passphrase with a
# separate encryption subkey; print its fingerprint. ALGO: ed25519 (default,
# with cv25519 encryption) or rsaNNNN. EXPIRE as for --quick-gen-key (default 2y).
gpg_gen_key() {
  local name=$1 email=$2 algo=${3:-ed25519} expire=${4:-2y} fpr enc
  case $algo in
    ed25519) enc=cv25519 ;;
    *) enc=$algo ;;
  esac
  gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key "$name <$email>" "$algo" sign,cert "$expire" 2>/dev/null
  fpr=$(gpg --with-colons --list-keys "=$name <$email>" | awk -F: '/^fpr:/ {print $10; exit}')
  gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-add-key "$fpr" "$enc" encr "$expire" 2>/dev/null
  echo "$fpr"
}

# gpg_trust_ultimate FPR: mark FPR as our own key (ownertrust ultimate).
gpg_trust_ultimate() {
  echo "$1:6:" | gpg --batch --quiet --import-ownertrust 2>/dev/null
}

# gpg_certify SIGNER TARGET: certify TARGET's user IDs with SIGNER (local
# signature), so TARGET gets full validity when SIGNER is ultimately trusted.
gpg_certify() {
  gpg --batch --quiet --yes --pinentry-mode loopback --passphrase '' \
    --default-key "$1" --quick-lsign-key "$2" 2>/dev/null
}

# gpg_corpus_keys DIR: into $GNUPGHOME, the Thunderbird OpenPGP corpus's
# secret keys from DIR/keys (Alice, Bob, Carol): Alice ultimately trusted,
# Bob and Carol certified by her.
gpg_corpus_keys() {
  local f alice
  for f in alice@openpgp.example-0xf231550c4f47e38e-secret.asc \
    bob@openpgp.example-0xfbfcc82a015e7330-secret.asc \
    carol@example.com-0x3099ff1238852b9f-secret.asc; do
    gpg --batch --quiet --import "$1/keys/$f" 2>/dev/null
  done
  alice=$(gpg --with-colons --list-keys alice@openpgp.example | awk -F: '/^fpr:/ {print $10; exit}')
  gpg_trust_ultimate "$alice"
  for f in bob@openpgp.example carol@example.com; do
    gpg_certify "$alice" "$(gpg --with-colons --list-keys "$f" | awk -F: '/^fpr:/ {print $10; exit}')"
  done
}

# gpg_clinic_keys [NAME EMAIL VAR]...: the keyring most suites use, in a
# fresh GNUPGHOME (gpg_home_new): Ana Ruiz <ana@clinic.test>, ultimately
# trusted, and Sam Lee <sam@hospital.test>, certified by Ana; sets ANA_FPR and
# SAM_FPR. Each NAME EMAIL VAR adds a key certified by Ana, its fingerprint in
# VAR.
gpg_clinic_keys() {
  gpg_home_new
  ANA_FPR=$(gpg_gen_key "Ana Ruiz" ana@clinic.test)
  SAM_FPR=$(gpg_gen_key "Sam Lee" sam@hospital.test)
  local more=() v
  while [ $# -ge 3 ]; do
    printf -v "$3" '%s' "$(gpg_gen_key "$1" "$2")"
    more+=("$3")
    shift 3
  done
  gpg_trust_ultimate "$ANA_FPR"
  gpg_certify "$ANA_FPR" "$SAM_FPR"
  for v in "${more[@]}"; do
    gpg_certify "$ANA_FPR" "${!v}"
  done
  gpg --batch --quiet --check-trustdb 2>/dev/null || true
}

# --- config -----------------------------------------------------------------

# write_config FILE KEY=VALUE...: write a compliant config. Recognised keys:
# from, signing_key, host, port, tls, ca_file, username, password_env,
# audit_path, extra (appended verbatim). File mode 0600.
write_config() {
  local file=$1
  shift
  local from="Ana Ruiz <ana@clinic.test>" signing_key="" host=localhost port=465 tls=implicit
  local ca_file="" username="ana" password_env="PM_TEST_PASSWORD" audit_path="$PWD/audit.jsonl" extra=""
  local kv
  for kv in "$@"; do
    local k=${kv%%=*} v=${kv#*=}
    printf -v "$k" '%s' "$v"
  done
  {
    echo "[identity]"
    echo "from = \"$from\""
    echo "user_id = \"ana\""
    echo "signing_key = \"$signing_key\""
    echo
    echo "[account.default]"
    echo "host = \"$host\""
    echo "port = $port"
    echo "tls = \"$tls\""
    echo "min_tls = \"1.2\""
    [ -n "$ca_file" ] && echo "ca_file = \"$ca_file\""
    echo "username = \"$username\""
    echo "password_env = \"$password_env\""
    echo "timeout_s = 10"
    echo
    echo "[audit]"
    echo "path = \"$audit_path\""
    echo
    echo "[compliance]"
    echo "baa = { provider = \"Test Mail\", reference = \"BAA-TEST\", expires = 2099-12-31 }"
    echo "risk_analysis = { reference = \"RA-TEST\", date = $(date -u +%Y-%m-%d) }"
    echo "emergency_access = { reference = \"EA-TEST\", date = $(date -u +%Y-%m-%d) }"
    [ -n "$extra" ] && printf '%b\n' "$extra"
  } >"$file"
  chmod 600 "$file"
}

# --- cleanup ----------------------------------------------------------------

suite_cleanup() {
  if [ -f "$SUITE_DIR/.pids" ]; then
    while read -r p; do kill "$p" 2>/dev/null; done <"$SUITE_DIR/.pids"
  fi
  if [ -f "$SUITE_DIR/.gnupghomes" ]; then
    while read -r h; do
      GNUPGHOME=$h gpgconf --kill all 2>/dev/null
      rm -rf "$h"
    done <"$SUITE_DIR/.gnupghomes"
  fi
}

# register_pid PID: kill PID when the suite ends.
register_pid() { echo "$1" >>"$SUITE_DIR/.pids"; }
