# SPDX-License-Identifier: GPL-3.0-or-later
# A shared keyring fixture for the check and keys suites (sourced by them).
# keyring_fixture_setup writes $SUITE_DIR/env.sh with GNUPGHOME and the
# fingerprints: ANA (own signing key, passphrase "pw", ultimate), NOP (own key
# without passphrase), SAM (peer, certified by ANA: full validity), UMA (peer,
# imported, unknown validity), OLD (peer, expired), REX (peer, revoked), WES
# (peer, rsa2048).

_gen_in_past() { # NAME EMAIL: key created in 2020 that expired in 2021
  local fpr
  gpg --batch --quiet --faked-system-time 20200101T000000! --pinentry-mode loopback \
    --passphrase '' --quick-gen-key "$1 <$2>" ed25519 sign,cert 1y 2>/dev/null
  fpr=$(gpg --with-colons --list-keys "=$1 <$2>" | awk -F: '/^fpr:/ {print $10; exit}')
  gpg --batch --quiet --faked-system-time 20200101T000000! --pinentry-mode loopback \
    --passphrase '' --quick-add-key "$fpr" cv25519 encr 1y 2>/dev/null
  echo "$fpr"
}

keyring_fixture_setup() {
  gpg_home_new
  local main=$GNUPGHOME
  local ana nop sam uma old rex wes
  gpg --batch --quiet --pinentry-mode loopback --passphrase pw \
    --quick-gen-key "Ana Ruiz <ana@clinic.test>" ed25519 sign,cert 2y 2>/dev/null
  ana=$(gpg --with-colons --list-keys "=Ana Ruiz <ana@clinic.test>" | awk -F: '/^fpr:/ {print $10; exit}')
  gpg --batch --quiet --pinentry-mode loopback --passphrase pw \
    --quick-add-key "$ana" cv25519 encr 2y 2>/dev/null
  nop=$(gpg_gen_key "Nop Clear" nop@clinic.test)

  gpg_home_new
  sam=$(gpg_gen_key "Sam Lee" sam@hospital.test)
  uma=$(gpg_gen_key "Uma Roy" uma@hospital.test)
  old=$(_gen_in_past "Old Key" old@hospital.test)
  rex=$(gpg_gen_key "Rex Gone" rex@hospital.test)
  wes=$(gpg_gen_key "Wes Rsa" wes@hospital.test rsa2048)
  sed 's/^:-----BEGIN/-----BEGIN/' "$GNUPGHOME/openpgp-revocs.d/$rex.rev" \
    | gpg --batch --quiet --import 2>/dev/null
  gpg --batch --armor --export "$sam" "$uma" "$old" "$rex" "$wes" >"$SUITE_DIR/peers.asc" 2>/dev/null
  gpg --batch --armor --export "$uma" >"$SUITE_DIR/uma.asc" 2>/dev/null

  export GNUPGHOME=$main
  gpg --batch --quiet --import "$SUITE_DIR/peers.asc" 2>/dev/null
  gpg --batch --quiet --yes --pinentry-mode loopback --passphrase pw \
    --default-key "$ana" --quick-lsign-key "$sam" 2>/dev/null
  cat >"$SUITE_DIR/env.sh" <<ENV
export GNUPGHOME=$main
ANA=$ana NOP=$nop SAM=$sam UMA=$uma OLD=$old REX=$rex WES=$wes
ENV
}
