// SPDX-License-Identifier: MIT
/* placeholder, replaced below */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
static void t_none(void **state) { (void)state; }
int main(void) { const struct CMUnitTest tests[] = {cmocka_unit_test(t_none)}; return cmocka_run_group_tests(tests, NULL, NULL); }
