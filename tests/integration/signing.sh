#!/bin/bash
# signing.sh — our keys, signatures and signed commits against the stock
# tools: ssh-keygen reads our keys and accepts our SSH signatures, we accept
# its signatures, stock git accepts our ledger commits, and our verification
# refuses commits forged with stock git (unsigned, or signed by a stray key).
# Until the fieldcard CLI has init/verify, the C side is driven through the
# unit test binaries' driver modes (test_sig, test_ledger: see their heads).
. "$(dirname "$0")/../lib.sh"

TB=$(dirname "$FC")/tests
SIG=$TB/test_sig
LED=$TB/test_ledger
for b in "$SIG" "$LED"; do
	[ -x "$b" ] || { echo "not ok 1 - $b is not built (make MODE=asan $b)"; exit 1; }
done
cd "$T" || exit 1

# --- keys ---
run "$SIG" --keygen ours zhang@laptop1
is "our key pair is written" "$rc" 0
is "private key mode is 0600" "$(stat -c %a ours)" 600
is "public key mode is 0644" "$(stat -c %a ours.pub)" 644
like "private key is OpenSSH format" "$(head -1 ours)" '^-----BEGIN OPENSSH PRIVATE KEY-----$'
run ssh-keygen -y -f ours
is "ssh-keygen -y reads our key and derives the same public key" "$out" "$(cat ours.pub)"
is "our fingerprint equals ssh-keygen -l's" "$("$SIG" --fingerprint ours.pub)" \
	"$(ssh-keygen -l -f ours.pub | cut -d' ' -f2)"

chmod 644 ours
run "$SIG" --sign ours git </dev/null
like "a private key others can read is refused" "$out" 'permissions 0644 .*too open.*chmod 600'
chmod 600 ours

FC_PASSPHRASE='村 secret' "$SIG" --keygen sealed li@laptop2
like "a passphrase key is sealed in our labelled format" "$(cat sealed)" 'BEGIN FIELDCARD SEALED KEY'
echo data >sealed.msg
run env FC_PASSPHRASE='村 secret' "$SIG" --sign sealed git <sealed.msg
like "the sealed key signs with its passphrase" "$out" 'BEGIN SSH SIGNATURE'
run env FC_PASSPHRASE='wrong' "$SIG" --sign sealed git <sealed.msg
like "a wrong passphrase is a clear error" "$out" 'wrong passphrase'
is "... exit code 1" "$rc" 1

# --- SSH signatures, both ways ---
printf 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\n变更 changeset\n' >msg
"$SIG" --sign ours git <msg >msg.ours.sig
echo "zhang $(cut -d' ' -f1,2 ours.pub)" >allowed
run ssh-keygen -Y verify -f allowed -I zhang -n git -s msg.ours.sig <msg
like "ssh-keygen -Y verify accepts our signature" "$out" 'Good "git" signature for zhang'
echo tampered >>msg
run ssh-keygen -Y verify -f allowed -I zhang -n git -s msg.ours.sig <msg
ok "ssh-keygen -Y verify rejects it over changed data" [ "$rc" -ne 0 ]
run "$SIG" --verify msg.ours.sig git <msg
like "so do we" "$out" 'bad signature'

ssh-keygen -q -t ed25519 -N '' -C stock@host -f stock
cp msg msg2
ssh-keygen -q -Y sign -f stock -n git msg2 2>/dev/null
run "$SIG" --verify msg2.sig git <msg2
is "we verify ssh-keygen's signature and name its key" "$out" "$(cut -d' ' -f1,2 stock.pub)"
run "$SIG" --sign stock git <msg2
is "we load ssh-keygen's key and sign byte for byte as ssh-keygen does" "$out" "$(cat msg2.sig)"
run "$SIG" --verify msg2.sig file <msg2
like "a signature of another namespace is refused" "$out" "namespace 'git', expected 'file'"

# --- signed ledger commits and stock git ---
run "$LED" --make-commit ledger.git ours zhang laptop1 allowed
is "our ledger writes a signed commit" "$rc" 0
c1=$out
run git -C ledger.git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$T/allowed" verify-commit "$c1"
like "stock git verify-commit: Good \"git\" signature" "$out" 'Good "git" signature for zhang with ED25519 key'
is "... and exits 0" "$rc" 0
run git -C ledger.git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$T/allowed" log --show-signature -1 main
like "git log --show-signature says Good" "$out" 'Good "git" signature'
body=$(git -C ledger.git cat-file -p main)
like "git cat-file shows the principal trailer" "$body" $'\nFieldcard-Principal: zhang\n'
like "git cat-file shows the device trailer" "$body" $'\nFieldcard-Device: laptop1'
like "the message says who, households and fields" "$body" 'zhang: 2 fields in 2 records of 2 households'
like "the committer is the principal at the device" "$body" 'committer zhang <zhang@laptop1.fieldcard>'
run git -C ledger.git fsck --strict --no-dangling
is "git fsck --strict finds nothing wrong" "$rc$out" 0
is "git reads the files we wrote" "$(git -C ledger.git show main:keys/allowed_signers)" "$(cat allowed)"
run "$LED" --make-commit ledger.git ours zhang laptop1
c2=$out
is "a second commit has the first as parent" "$(git -C ledger.git rev-parse "$c2^")" "$c1"
run "$LED" --verify ledger.git "$c2" allowed
is "our verify accepts our commit" "$out" "good: zhang"

# --- commits forged with stock git are refused by our verify ---
git clone -q ledger.git work 2>/dev/null
(
	cd work &&
	git config user.name zhang && git config user.email zhang@laptop1.fieldcard &&
	echo "head_name: 王五" >>villages/520102001/01J9AAAAAAAAAAAAAAAAAAAAAA/household &&
	git commit -qam $'forged\n\nFieldcard-Principal: zhang\nFieldcard-Device: laptop1' &&
	git push -q origin HEAD:refs/heads/forged-unsigned &&
	echo "head_name: 赵六" >>villages/520102001/01J9AAAAAAAAAAAAAAAAAAAAAA/household &&
	git -c gpg.format=ssh -c user.signingkey="$T/stock" commit -S -qam \
		$'stray\n\nFieldcard-Principal: zhang\nFieldcard-Device: laptop1' &&
	git push -q origin HEAD:refs/heads/forged-stray
) >/dev/null 2>&1
ok "stock git made the forged commits" git -C ledger.git show-ref -q --verify refs/heads/forged-stray refs/heads/forged-unsigned
u=$(git -C ledger.git rev-parse --short=7 forged-unsigned)
s=$(git -C ledger.git rev-parse --short=7 forged-stray)
run "$LED" --verify ledger.git forged-unsigned allowed
is "our verify refuses an unsigned commit, naming it" "$out" "commit $u: unsigned"
is "... with the verification exit code" "$rc" 3
run "$LED" --verify ledger.git forged-stray allowed
is "our verify refuses a stray key's commit, naming commit and key" "$out" \
	"commit $s: signed by an unknown key $(ssh-keygen -l -f stock.pub | cut -d' ' -f2) (not in keys/allowed_signers)"
is "... with the verification exit code" "$rc" 3
run git -C ledger.git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$T/allowed" verify-commit forged-stray
ok "stock git agrees the stray signature is not trusted" [ "$rc" -ne 0 ]

# A key listed for a window that does not cover the commit's time.
echo "zhang valid-before=\"20200101\" $(cut -d' ' -f1,2 ours.pub)" >expired
run "$LED" --verify ledger.git "$c1" expired
like "a key outside its validity window is refused" "$out" "^commit ${c1:0:7}: key of zhang: key not valid at that time"

[ "$_tap_fail" -eq 0 ]
