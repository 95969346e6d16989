package auth

import "strings"

// commonPasswords lists passwords of at least 8 characters that appear at
// the top of public breach-frequency lists. It is a first filter, not a
// breach check.
var commonPasswords = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`
		12345678 123456789 1234567890 12345678910 password password1 password12 password123
		passw0rd p@ssw0rd p@ssword qwertyui qwerty123 qwertyuiop 1q2w3e4r 1q2w3e4r5t
		1qaz2wsx zaq12wsx iloveyou iloveyou1 sunshine princess football baseball basketball
		welcome1 welcome123 abc12345 abcd1234 abcdefgh 11111111 00000000 88888888 87654321
		12341234 11223344 123123123 987654321 superman batman123 trustno1 letmein1 letmein123
		monkey123 dragon123 master123 shadow123 michael1 jennifer charlie1 computer internet
		whatever starwars liverpool chelsea1 arsenal1 football1 baseball1 jordan23 changeme
		changeme1 secret123 default1 administrator admin123 admin1234 root1234 test1234
		testtest guest123 qazwsxedc asdfghjk asdfasdf zxcvbnm1 zxcvbnmm 1234qwer qwer1234
		q1w2e3r4 a1b2c3d4 aa123456 asd12345 samsung1 google123 facebook mustang1 access14
		loveyou1 lovelove flower12 hello123 hellohello summer2024 winter2024 spring2024
		password2024 password2025 password2026 health123 healthy1 doctor123 hospital
	`) {
		commonPasswords[p] = true
	}
}

func isCommonPassword(password string) bool {
	return commonPasswords[strings.ToLower(password)]
}
