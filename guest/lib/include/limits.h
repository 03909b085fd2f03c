/* Limits of the integer types (LP64, as gcc lays them out for x86-64). */
#ifndef ULIB_LIMITS_H
#define ULIB_LIMITS_H

#define CHAR_BIT   8
#define INT_MAX    0x7fffffff
#define INT_MIN    (-INT_MAX - 1)
#define UINT_MAX   0xffffffffU
#define LONG_MAX   0x7fffffffffffffffL
#define LONG_MIN   (-LONG_MAX - 1)
#define ULONG_MAX  0xffffffffffffffffUL
#define LLONG_MAX  LONG_MAX
#define LLONG_MIN  LONG_MIN
#define ULLONG_MAX ULONG_MAX

#endif
