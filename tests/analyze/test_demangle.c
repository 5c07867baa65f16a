/* tests/analyze/test_demangle.c: the bounded demangler, against what
 * c++filt prints (names only: parameters left out, template arguments as
 * <…>), and what it must leave mangled. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"

static const char *dm(const char *in)
{
	static char out[DEMANGLE_OUT_MAX];

	return demangle(in, out, sizeof(out)) == 0 ? out : NULL;
}

static void test_demangle__names(void **state)
{
	static const char *const cases[][2] = {
		/* from a node --perf-basic-prof profile (libnode's own symbols) */
		{ "_ZN2v88internal10JSReceiver18GetCreationContextEv", "v8::internal::JSReceiver::GetCreationContext" },
		{ "_ZN2v88internal7Runtime17SetObjectPropertyEPNS0_7IsolateENS0_6HandleINS0_6ObjectEEES6_S6_NS0_11StoreOriginENS_5MaybeINS0_11ShouldThrowEEE",
		  "v8::internal::Runtime::SetObjectProperty" },
		{ "_ZNK2v85Array6LengthEv", "v8::Array::Length" },
		{ "_ZN2v88internal12_GLOBAL__N_16InvokeEPNS0_7IsolateERKNS1_12InvokeParamsE",
		  "v8::internal::(anonymous namespace)::Invoke" },
		{ "_Z3fooi", "foo" },
		{ "_Z4mainv", "main" },
		{ "_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector<…>::push_back" },
		{ "_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE4sizeEv", "std::__cxx11::basic_string<…>::size" },
		{ "_ZN3FooC2Ev", "Foo::Foo" },
		{ "_ZN3FooD1Ev", "Foo::~Foo" },
		{ "_ZN3FoopLERKS_", "Foo::operator+=" },
		{ "_ZN3FooclEv", "Foo::operator()" },
		{ "_ZSt4sortIPiEvT_S1_", "std::sort<…>" },
		{ "_ZZ4mainE5count", "main::count" },
		{ "_ZZN3Foo3barEvENKUlvE_clEv", "Foo::bar::{lambda()#1}::operator()" },
		{ "_ZN3Foo3barEv.cold", "Foo::bar [clone .cold]" },
		{ "_ZN12_GLOBAL__N_14burnEv.isra.0", "(anonymous namespace)::burn [clone .isra.0]" },
		{ "_ZN5Eigen8internal5pmaddIDv4_fEET_RKS3_S5_S5_", "Eigen::internal::pmadd<…>" },
		{ "_ZN3FooB5cxx113barEv", "Foo[abi:cxx11]::bar" },
		{ "_ZN1AILi5EE1fEv", "A<…>::f" },
		{ "_ZN1AILin5EE1fEv", "A<…>::f" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = dm(cases[i][0]);

		if (!got || strcmp(got, cases[i][1]))
			fail_msg("%s: expected '%s', got '%s'", cases[i][0], cases[i][1], got ? got : "(left mangled)");
	}
}

/* Not mangled, or not understood: left as it is (demangle_dup copies). */
static void test_demangle__left_alone(void **state)
{
	static const char *const cases[] = {
		"main", "burn_a", "JS:*fib /app/x.js:1:13", "_Z", "_ZN", "_ZNE", "_Z999999foo",
		"_Z5ab", "_ZN1AIXadL_Z1fEEE1gEv", "_ZNS_3fooEv", "_ZN3Foo3barEv\x01", "_ZN1AIiE",
		"_ZN1AIDTcl1fEEE1gEv", "_ZL", "_Z1fIiEXvT_",
	};
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = dm(cases[i]);

		if (got)
			fail_msg("'%s' demangled to '%s'; expected it left mangled", cases[i], got);
		s = demangle_dup(cases[i]);
		assert_string_equal(s, cases[i]);
		free(s);
	}
	assert_null(demangle_dup(NULL));
	s = demangle_dup("_ZN3Foo3barEv");
	assert_string_equal(s, "Foo::bar");
	free(s);
}

/* Bounds: a long input, deep nesting, a small output buffer. */
static void test_demangle__bounds(void **state)
{
	char *in = malloc(DEMANGLE_IN_MAX + 64), out[16];
	size_t i, n;

	(void)state;
	assert_non_null(in);
	/* Nesting far past the limit: refused, no deep recursion. */
	n = 0;
	n += (size_t)snprintf(in + n, 16, "_ZN1AI");
	for (i = 0; i < 500; i++)
		in[n++] = 'I';
	for (i = 0; i < 500; i++)
		in[n++] = 'E';
	memcpy(in + n, "EE1fEv", 7);
	assert_null(dm(in));
	/* Longer than DEMANGLE_IN_MAX: refused whole. */
	memset(in, 'a', DEMANGLE_IN_MAX + 10);
	memcpy(in, "_ZN3Foo", 7);
	in[DEMANGLE_IN_MAX + 10] = '\0';
	assert_null(dm(in));
	/* A name longer than the output: refused, the output stays a string. */
	assert_int_equal(demangle("_ZN2v88internal10JSReceiver18GetCreationContextEv", out, sizeof(out)), -1);
	assert_string_equal(out, "");
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demangle__names),
		cmocka_unit_test(test_demangle__left_alone),
		cmocka_unit_test(test_demangle__bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
