/*
 * hold-open.exe FILE RELEASE: opens FILE the way a program still writing it does (write access,
 * sharing read only, so no one else may write, rename or delete it), says "holding" on stdout,
 * and keeps it open until the file RELEASE exists (at most two minutes, so a broken run never
 * hangs). scripts/windows-smoke.sh uses it under Wine to show that `passerelle watch` leaves
 * such a file in the inbox (its move fails with a sharing violation) and takes it once closed.
 * A test tool only: never shipped.
 */
#include <windows.h>
#include <stdio.h>

int wmain(int argc, wchar_t **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: hold-open FILE RELEASE\n");
        return 2;
    }
    HANDLE h = CreateFileW(argv[1], GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "hold-open: cannot open the file (error %lu)\n", GetLastError());
        return 1;
    }
    printf("holding\n");
    fflush(stdout);
    for (int i = 0; i < 1200 && GetFileAttributesW(argv[2]) == INVALID_FILE_ATTRIBUTES; i++)
        Sleep(100);
    CloseHandle(h);
    printf("released\n");
    return 0;
}
