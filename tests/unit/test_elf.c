/* Unit tests of vmm/elf.c: a small valid PVH kernel image is built in memory, then broken
 * one field at a time; each break must be refused with its own message, never a crash. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "abi/machine.h"
#include "abi/pvh.h"
#include "vmm/boot.h"

#define RAM       (16ULL << 20)
#define TEXT_OFF  0x1000
#define TEXT_LEN  0x100
#define TEXT_GPA  0x100000ULL
#define ENTRY     (TEXT_GPA + 0x10)
#define DATA_OFF  0x1100
#define DATA_LEN  0x20
#define DATA_GPA  0x200000ULL
#define BSS_LEN   0xfe0        /* p_memsz = 0x1000 */
#define NOTE_OFF  0x1200
#define IMG_MAX   0x1400

/* The image: ELF header, 3 program headers (text, data+bss, notes), then their bytes. */
struct img {
    _Alignas(8) uint8_t b[IMG_MAX];
    size_t size;
    size_t xen_note;           /* file offset of the Xen note */
};

static struct guest_mem mem;
static struct img img;
static struct kernel_image k;
static char err[ERR_MAX];

static Elf64_Ehdr *eh(void) { return (Elf64_Ehdr *)img.b; }
static Elf64_Phdr *ph(int i) { return (Elf64_Phdr *)(img.b + sizeof(Elf64_Ehdr)) + i; }

/* Append one note at `off` with its name and descriptor padded to 4 bytes; returns the
 * offset after it. */
static size_t put_note(size_t off, const char *name, uint32_t namesz, uint32_t type,
                       const void *desc, uint32_t descsz)
{
    Elf64_Nhdr nh = { namesz, descsz, type };
    memcpy(img.b + off, &nh, sizeof nh);
    off += sizeof nh;
    memcpy(img.b + off, name, namesz);
    off += (namesz + 3) & ~3u;
    memcpy(img.b + off, desc, descsz);
    return off + ((descsz + 3) & ~3u);
}

static void set_phdr(int i, uint32_t type, uint64_t off, uint64_t gpa, uint64_t filesz,
                     uint64_t memsz, uint64_t align)
{
    *ph(i) = (Elf64_Phdr){ .p_type = type, .p_flags = PF_R, .p_offset = off,
                           .p_vaddr = gpa, .p_paddr = gpa, .p_filesz = filesz,
                           .p_memsz = memsz, .p_align = align };
}

/* A valid kernel: a "Linux" note (6-byte name, exercises padding) before the Xen note. */
static void build_image(void)
{
    memset(&img, 0, sizeof img);
    Elf64_Ehdr *h = eh();
    memcpy(h->e_ident, ELFMAG, SELFMAG);
    h->e_ident[EI_CLASS] = ELFCLASS64;
    h->e_ident[EI_DATA] = ELFDATA2LSB;
    h->e_ident[EI_VERSION] = EV_CURRENT;
    h->e_type = ET_EXEC;
    h->e_machine = EM_X86_64;
    h->e_version = EV_CURRENT;
    h->e_entry = 0xffffffff80000000ULL;   /* the 64-bit entry is not what PVH uses */
    h->e_phoff = sizeof *h;
    h->e_ehsize = sizeof *h;
    h->e_phentsize = sizeof(Elf64_Phdr);
    h->e_phnum = 3;
    for (int i = 0; i < TEXT_LEN; i++)
        img.b[TEXT_OFF + i] = (uint8_t)(0x90 + i);
    for (int i = 0; i < DATA_LEN; i++)
        img.b[DATA_OFF + i] = (uint8_t)(0x40 + i);
    uint32_t linux_desc = 0x12345678, entry = ENTRY;
    size_t off = put_note(NOTE_OFF, "Linux", 6, 1, &linux_desc, 3);
    img.xen_note = off;
    off = put_note(off, PVH_NOTE_NAME, 4, PVH_NOTE_PHYS32_ENTRY, &entry, 4);
    set_phdr(0, PT_LOAD, TEXT_OFF, TEXT_GPA, TEXT_LEN, TEXT_LEN, 0x1000);
    set_phdr(1, PT_LOAD, DATA_OFF, DATA_GPA, DATA_LEN, DATA_LEN + BSS_LEN, 0x1000);
    set_phdr(2, PT_NOTE, NOTE_OFF, 0, off - NOTE_OFF, off - NOTE_OFF, 4);
    img.size = off;
}

/* The descriptor of the Xen note, to change the entry point in place. */
static void set_entry(uint32_t entry)
{
    memcpy(img.b + img.xen_note + sizeof(Elf64_Nhdr) + 4, &entry, 4);
}

/* Loads a heap copy of exactly img.size bytes, so that ASan or valgrind catch any read
 * past the end of the file. */
static int load(void)
{
    uint8_t *copy = malloc(img.size ? img.size : 1);
    assert_non_null(copy);
    memcpy(copy, img.b, img.size);
    memset(err, 0, sizeof err);
    int rc = elf_load_pvh(&mem, copy, img.size, &k, err);
    free(copy);
    return rc;
}

/* The loader must refuse the current image with a message containing `want`. */
#define assert_refused(want) do {                                                   \
        assert_int_equal(load(), -1);                                               \
        if (strstr(err, (want)) == NULL)                                            \
            fail_msg("error \"%s\" does not mention \"%s\"", err, (want));         \
        assert_null(strchr(err, '\n'));                                             \
    } while (0)

static int setup(void **state)
{
    if (guest_mem_alloc(&mem, RAM) < 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    guest_mem_free(&mem);
    return 0;
}

static int fresh(void **state)
{
    build_image();
    memset(mem.hva, 0xaa, 4ULL << 20);
    return 0;
}

static void test_valid_image_loads(void **state)
{
    assert_int_equal(load(), 0);
    assert_int_equal(k.entry, ENTRY);
    assert_int_equal(k.load_lo, TEXT_GPA);
    assert_int_equal(k.load_hi, DATA_GPA + DATA_LEN + BSS_LEN);
    assert_memory_equal(gpa_ptr(&mem, TEXT_GPA, TEXT_LEN), img.b + TEXT_OFF, TEXT_LEN);
    assert_memory_equal(gpa_ptr(&mem, DATA_GPA, DATA_LEN), img.b + DATA_OFF, DATA_LEN);
    static const uint8_t zero[BSS_LEN];
    assert_memory_equal(gpa_ptr(&mem, DATA_GPA + DATA_LEN, BSS_LEN), zero, BSS_LEN);
    /* Nothing around the segments is touched. */
    assert_int_equal(*(uint8_t *)gpa_ptr(&mem, TEXT_GPA - 1, 1), 0xaa);
    assert_int_equal(*(uint8_t *)gpa_ptr(&mem, TEXT_GPA + TEXT_LEN, 1), 0xaa);
    assert_int_equal(*(uint8_t *)gpa_ptr(&mem, DATA_GPA + DATA_LEN + BSS_LEN, 1), 0xaa);
}

static void test_8_byte_entry_descriptor(void **state)
{
    uint64_t entry = ENTRY + 4;
    size_t end = put_note(img.xen_note, PVH_NOTE_NAME, 4, PVH_NOTE_PHYS32_ENTRY, &entry, 8);
    ph(2)->p_filesz = ph(2)->p_memsz = end - NOTE_OFF;
    img.size = end;
    assert_int_equal(load(), 0);
    assert_int_equal(k.entry, ENTRY + 4);

    entry |= 1ULL << 32;
    put_note(img.xen_note, PVH_NOTE_NAME, 4, PVH_NOTE_PHYS32_ENTRY, &entry, 8);
    assert_refused("above 4 GiB");
}

static void test_bad_descriptor_size(void **state)
{
    uint8_t two[2] = { 0x10, 0x00 };
    size_t end = put_note(img.xen_note, PVH_NOTE_NAME, 4, PVH_NOTE_PHYS32_ENTRY, two, 2);
    ph(2)->p_filesz = end - NOTE_OFF;
    img.size = end;
    assert_refused("2-byte descriptor");
}

/* A gnu.property-style note segment: 8-byte alignment rounds offsets to 8. */
static void test_8_aligned_note_segment(void **state)
{
    uint32_t entry = ENTRY, prop[4] = { 0xc0000002, 4, 3, 0 };
    size_t off = NOTE_OFF;
    Elf64_Nhdr gnu = { 4, sizeof prop, 5 }, xen = { 4, 4, PVH_NOTE_PHYS32_ENTRY };
    memcpy(img.b + off, &gnu, 12);
    memcpy(img.b + off + 12, "GNU", 4);
    memcpy(img.b + off + 16, prop, sizeof prop);   /* desc at 16: already 8-aligned */
    off += 32;
    memcpy(img.b + off, &xen, 12);
    memcpy(img.b + off + 12, "Xen", 4);
    memcpy(img.b + off + 16, &entry, 4);
    off += 24;                                       /* 20 rounded up to 8 */
    set_phdr(2, PT_NOTE, NOTE_OFF, 0, off - NOTE_OFF, off - NOTE_OFF, 8);
    img.size = off;
    assert_int_equal(load(), 0);
    assert_int_equal(k.entry, ENTRY);
}

static void test_not_elf(void **state)
{
    img.b[1] = 'X';
    assert_refused("not an ELF file");
    build_image();
    img.size = 3;
    assert_refused("not an ELF file");
    assert_int_equal(elf_load_pvh(&mem, NULL, 0, &k, err), -1);
    assert_non_null(strstr(err, "not an ELF file"));
}

static void test_truncated_header(void **state)
{
    img.size = sizeof(Elf64_Ehdr) - 1;
    assert_refused("truncated ELF header");
}

static void test_32_bit_class(void **state)
{
    eh()->e_ident[EI_CLASS] = ELFCLASS32;
    assert_refused("not a 64-bit ELF");
}

static void test_big_endian(void **state)
{
    eh()->e_ident[EI_DATA] = ELFDATA2MSB;
    assert_refused("not a little-endian ELF");
}

static void test_bad_version(void **state)
{
    eh()->e_ident[EI_VERSION] = 2;
    assert_refused("unsupported ELF version 2");
    build_image();
    eh()->e_version = 0;
    assert_refused("unsupported ELF version 0");
}

static void test_not_executable(void **state)
{
    eh()->e_type = ET_DYN;
    assert_refused("not an executable ELF (e_type 3)");
}

static void test_wrong_machine(void **state)
{
    eh()->e_machine = EM_386;
    assert_refused("not an x86-64 ELF (e_machine 3)");
}

static void test_bad_phentsize(void **state)
{
    eh()->e_phentsize = 32;
    assert_refused("bad program header size 32");
}

static void test_phnum_zero_and_xnum(void **state)
{
    eh()->e_phnum = 0;
    assert_refused("no program headers");
    eh()->e_phnum = PN_XNUM;
    assert_refused("PN_XNUM");
}

static void test_phoff_beyond_file(void **state)
{
    eh()->e_phoff = img.size;
    assert_refused("program headers (offset");
    eh()->e_phoff = img.size - sizeof(Elf64_Phdr) + 1;   /* the last header is cut */
    eh()->e_phnum = 1;
    assert_refused("extend past the end of the file");
}

/* phoff + phnum * phentsize wraps around 2^64 to a small, in-file value. */
static void test_phdr_table_overflow(void **state)
{
    eh()->e_phnum = 1000;
    eh()->e_phoff = UINT64_MAX - 1000 * sizeof(Elf64_Phdr) + 0x41;
    assert_refused("extend past the end of the file");
    eh()->e_phnum = 1000;                                /* 56000 bytes: beyond the file */
    eh()->e_phoff = sizeof(Elf64_Ehdr);
    assert_refused("1000 entries");
}

static void test_segment_offset_past_eof(void **state)
{
    ph(0)->p_offset = img.size - 0x10;
    assert_refused("segment 0 (offset");
    ph(0)->p_offset = UINT64_MAX - 0x10;               /* offset + filesz wraps */
    assert_refused("extends past the end of the file");
}

static void test_filesz_above_memsz(void **state)
{
    ph(1)->p_memsz = DATA_LEN - 1;
    assert_refused("segment 1 has p_filesz 0x20 > p_memsz 0x1f");
}

static void test_segment_outside_ram(void **state)
{
    ph(1)->p_paddr = RAM - 0x800;
    assert_refused("segment 1 [0xfff800-0x1000800) lies outside guest RAM (16 MiB)");
    build_image();
    ph(1)->p_paddr = 0xc0000000ULL;
    assert_refused("outside guest RAM");
    build_image();
    ph(1)->p_paddr = UINT64_MAX - 0x100;
    assert_refused("wraps around");
}

static void test_segment_below_1mib(void **state)
{
    ph(0)->p_paddr = MACHINE_KERNEL_MIN_GPA - 0x1000;
    assert_refused("segment 0 [0xff000-0xff100) starts below 1 MiB");
}

static void test_overlapping_segments(void **state)
{
    ph(1)->p_paddr = TEXT_GPA + TEXT_LEN - 1;
    assert_refused("segment 1 [0x1000ff-0x1010ff) overlaps segment 0");
    build_image();
    ph(0)->p_paddr = DATA_GPA + DATA_LEN + BSS_LEN - 1;  /* text starts in the last bss byte */
    assert_refused("segment 1 [0x200000-0x201000) overlaps segment 0 [0x200fff-0x2010ff)");
    build_image();
    ph(1)->p_paddr = TEXT_GPA + TEXT_LEN;             /* touching is fine */
    assert_int_equal(load(), 0);
}

static void test_empty_segment_ignored(void **state)
{
    ph(1)->p_memsz = ph(1)->p_filesz = 0;
    ph(1)->p_paddr = 0;                                /* would be below 1 MiB if loaded */
    assert_int_equal(load(), 0);
    assert_int_equal(k.load_hi, TEXT_GPA + TEXT_LEN);
}

static void test_no_load_segments(void **state)
{
    ph(0)->p_type = PT_NULL;
    ph(1)->p_type = PT_NULL;
    assert_refused("no PT_LOAD segments");
}

static void test_missing_note(void **state)
{
    ph(2)->p_type = PT_NULL;
    assert_refused("no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)");
    build_image();
    img.b[img.xen_note + sizeof(Elf64_Nhdr)] = 'x';    /* "xen": a different owner */
    assert_refused("no PVH entry note");
    build_image();
    ((Elf64_Nhdr *)(img.b + img.xen_note))->n_type = 17;
    assert_refused("no PVH entry note");
}

static void test_truncated_note(void **state)
{
    ph(2)->p_filesz -= 2;                               /* cuts the entry descriptor */
    assert_refused("note segment 2: truncated note at offset");
    build_image();
    ph(2)->p_filesz = img.xen_note - NOTE_OFF + 6;      /* half a note header */
    assert_refused("truncated note header");
    build_image();
    ((Elf64_Nhdr *)(img.b + NOTE_OFF))->n_namesz = UINT32_MAX;
    assert_refused("truncated note");
    build_image();
    ((Elf64_Nhdr *)(img.b + img.xen_note))->n_descsz = UINT32_MAX;
    assert_refused("truncated note");
}

static void test_note_segment_past_eof(void **state)
{
    ph(2)->p_offset = img.size - 4;
    assert_refused("note segment 2 (offset");
}

static void test_entry_outside_segments(void **state)
{
    set_entry(0x300000);
    assert_refused("PVH entry 0x300000 lies outside every loaded segment");
    set_entry(TEXT_GPA + TEXT_LEN);                    /* one past the text */
    assert_refused("outside every loaded segment");
    set_entry(DATA_GPA + DATA_LEN);                    /* in .bss: no code there */
    assert_refused("outside every loaded segment");
    set_entry(TEXT_GPA + TEXT_LEN - 1);
    assert_int_equal(load(), 0);
}

/* All checks happen before the first write to guest RAM. */
static void test_refusal_writes_nothing(void **state)
{
    set_entry(0x300000);
    assert_int_equal(load(), -1);
    assert_int_equal(*(uint8_t *)gpa_ptr(&mem, TEXT_GPA, 1), 0xaa);
    assert_int_equal(*(uint8_t *)gpa_ptr(&mem, DATA_GPA + DATA_LEN, 1), 0xaa);
}

/* Every proper prefix of the image misses some bytes the loader needs. */
static void test_every_truncation_refused(void **state)
{
    size_t full = img.size;
    for (size_t n = 0; n < full; n++) {
        img.size = n;
        if (load() != -1 || err[0] == '\0')
            fail_msg("a %zu-byte prefix of the %zu-byte image was accepted", n, full);
    }
}

/* Random corruption of the headers and notes: any outcome but a crash or an out-of-bounds
 * read (run under ASan or valgrind to see those) is acceptable, and a refusal has a
 * message. Deterministic: a fixed xorshift seed. */
static void test_random_corruption(void **state)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int round = 0; round < 20000; round++) {
        build_image();
        for (int flips = 0; flips < 4; flips++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            size_t at = (x >> 8) % 2 ? (x >> 16) % 232 : NOTE_OFF + (x >> 16) % 0x40;
            img.b[at] = (uint8_t)(x >> 40);
        }
        int rc = load();
        assert_true(rc == 0 || (rc == -1 && err[0] != '\0'));
    }
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, fresh)
    const struct CMUnitTest tests[] = {
        T(test_valid_image_loads), T(test_8_byte_entry_descriptor),
        T(test_bad_descriptor_size), T(test_8_aligned_note_segment),
        T(test_not_elf), T(test_truncated_header), T(test_32_bit_class),
        T(test_big_endian), T(test_bad_version), T(test_not_executable),
        T(test_wrong_machine), T(test_bad_phentsize), T(test_phnum_zero_and_xnum),
        T(test_phoff_beyond_file), T(test_phdr_table_overflow),
        T(test_segment_offset_past_eof), T(test_filesz_above_memsz),
        T(test_segment_outside_ram), T(test_segment_below_1mib),
        T(test_overlapping_segments), T(test_empty_segment_ignored),
        T(test_no_load_segments), T(test_missing_note), T(test_truncated_note),
        T(test_note_segment_past_eof), T(test_entry_outside_segments),
        T(test_refusal_writes_nothing), T(test_every_truncation_refused),
        T(test_random_corruption),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
