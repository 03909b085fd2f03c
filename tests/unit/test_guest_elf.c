/* Unit tests of guest/kernel/elf.c: a valid static executable is built in memory, then
 * broken one header field at a time; exec must refuse each with -ENOEXEC, never crash. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "abi/syscall.h"
#include "guest/kernel/elf.h"

#define VA_MIN    0x10000ULL
#define VA_MAX    0x7ff000000000ULL
#define TEXT_OFF  0x1000
#define TEXT_VA   0x401000ULL
#define TEXT_LEN  0x100
#define DATA_OFF  0x1100
#define DATA_VA   0x402100ULL
#define DATA_LEN  0x40
#define DATA_MEM  0x2000
#define IMG_LEN   0x1140

static _Alignas(8) unsigned char img[0x2000];
static struct elf_image out;

static Elf64_Ehdr *eh(void) { return (Elf64_Ehdr *)img; }
static Elf64_Phdr *ph(int i) { return (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr)) + i; }

static int setup(void **state)
{
    memset(img, 0, sizeof img);
    memcpy(eh()->e_ident, ELFMAG, SELFMAG);
    eh()->e_ident[EI_CLASS] = ELFCLASS64;
    eh()->e_ident[EI_DATA] = ELFDATA2LSB;
    eh()->e_ident[EI_VERSION] = EV_CURRENT;
    eh()->e_type = ET_EXEC;
    eh()->e_machine = EM_X86_64;
    eh()->e_version = EV_CURRENT;
    eh()->e_entry = TEXT_VA + 0x10;
    eh()->e_phoff = sizeof(Elf64_Ehdr);
    eh()->e_ehsize = sizeof(Elf64_Ehdr);
    eh()->e_phentsize = sizeof(Elf64_Phdr);
    eh()->e_phnum = 3;
    *ph(0) = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, TEXT_OFF, TEXT_VA, TEXT_VA, TEXT_LEN, TEXT_LEN, 0x1000 };
    *ph(1) = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, DATA_OFF, DATA_VA, DATA_VA, DATA_LEN, DATA_MEM, 0x1000 };
    *ph(2) = (Elf64_Phdr){ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16 };
    return 0;
}

static int check(void) { return elf_check(img, IMG_LEN, VA_MIN, VA_MAX, &out); }

static void valid_image_is_accepted(void **state)
{
    assert_int_equal(check(), 0);
    assert_int_equal(out.entry, TEXT_VA + 0x10);
    assert_int_equal(out.nseg, 2);
    assert_int_equal(out.seg[0].vaddr, TEXT_VA);
    assert_int_equal(out.seg[0].filesz, TEXT_LEN);
    assert_int_equal(out.seg[0].flags, PF_R | PF_X);
    assert_int_equal(out.seg[1].offset, DATA_OFF);
    assert_int_equal(out.seg[1].memsz, DATA_MEM);
}

/* Each case changes one thing in the valid image; all must be refused. */
static void broken_headers_are_refused(void **state)
{
    static const char *names[] = {
        "magic", "class 32", "big-endian", "ET_DYN", "machine i386", "ehsize", "phentsize",
        "phnum 0", "phnum 200", "phoff past end", "phoff overflow", "filesz > memsz",
        "data past end", "offset overflow", "below va_min", "above va_max", "memsz wraps",
        "W and X", "offset not congruent", "same page as text", "entry in data",
        "entry past text", "PT_INTERP", "PT_DYNAMIC", "memsz 0", "no PT_LOAD", "version",
    };
    for (unsigned c = 0; c < sizeof names / sizeof names[0]; c++) {
        setup(state);
        switch (c) {
        case 0: img[1] = 'X'; break;
        case 1: eh()->e_ident[EI_CLASS] = ELFCLASS32; break;
        case 2: eh()->e_ident[EI_DATA] = ELFDATA2MSB; break;
        case 3: eh()->e_type = ET_DYN; break;
        case 4: eh()->e_machine = EM_386; break;
        case 5: eh()->e_ehsize = 52; break;
        case 6: eh()->e_phentsize = 32; break;
        case 7: eh()->e_phnum = 0; break;
        case 8: eh()->e_phnum = 200; break;
        case 9: eh()->e_phoff = IMG_LEN - 8; break;
        case 10: eh()->e_phoff = ~0ULL - 16; break;
        case 11: ph(0)->p_filesz = TEXT_LEN + 1; break;
        case 12: ph(1)->p_filesz = ph(1)->p_memsz = IMG_LEN; break;
        case 13: ph(1)->p_offset = ~0ULL - 0x10; break;
        case 14: ph(0)->p_vaddr = 0x1000; ph(0)->p_offset = 0; eh()->e_entry = 0x1010; break;
        case 15: ph(1)->p_vaddr = VA_MAX + 0x100; break;
        case 16: ph(1)->p_memsz = ~0ULL - 0x1000; break;
        case 17: ph(1)->p_flags = PF_R | PF_W | PF_X; break;
        case 18: ph(1)->p_vaddr = DATA_VA + 8; break;
        case 19: ph(1)->p_vaddr = TEXT_VA + 0x100; break;
        case 20: eh()->e_entry = DATA_VA; break;
        case 21: eh()->e_entry = TEXT_VA + TEXT_LEN; break;
        case 22: ph(2)->p_type = PT_INTERP; break;
        case 23: ph(2)->p_type = PT_DYNAMIC; break;
        case 24: ph(1)->p_memsz = ph(1)->p_filesz = 0; break;
        case 25: ph(0)->p_type = ph(1)->p_type = PT_NOTE; break;
        case 26: eh()->e_ident[EI_VERSION] = 0; break;
        }
        if (check() != -ENOEXEC) fail_msg("accepted an image with: %s", names[c]);
    }
}

static void truncated_files_are_refused(void **state)
{
    for (uint64_t n = 0; n < IMG_LEN; n++)
        if (elf_check(img, n, VA_MIN, VA_MAX, &out) != -ENOEXEC)
            fail_msg("accepted the image cut to %llu bytes", (unsigned long long)n);
}

static void too_many_segments_are_refused(void **state)
{
    eh()->e_phnum = ELF_MAXSEG + 1;
    for (int i = 0; i < ELF_MAXSEG + 1; i++)
        *ph(i) = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, TEXT_OFF, TEXT_VA + 0x1000ULL * i,
                               0, 0x10, 0x10, 0x1000 };
    eh()->e_entry = TEXT_VA;
    assert_int_equal(check(), -ENOEXEC);
    eh()->e_phnum = ELF_MAXSEG;
    assert_int_equal(check(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(valid_image_is_accepted, setup),
        cmocka_unit_test_setup(broken_headers_are_refused, setup),
        cmocka_unit_test_setup(truncated_files_are_refused, setup),
        cmocka_unit_test_setup(too_many_segments_are_refused, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
