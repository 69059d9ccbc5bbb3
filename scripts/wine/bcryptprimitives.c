/*
 * A stand-in for Windows' bcryptprimitives.dll, for running passerelle.exe under Wine only.
 *
 * Why: Rust's standard library (since 1.78) gets its random bytes (the seeds of HashMap) from
 * ProcessPrng in bcryptprimitives.dll, present on every Windows 10 and later. Wine 8 (Debian 12's
 * wine64) has no such DLL, so the .exe does not even start there. This one exports ProcessPrng
 * and fills the buffer with RtlGenRandom (SystemFunction036 of advapi32), which Wine has.
 *
 * scripts/windows-smoke.sh builds it with mingw and puts it in the system32 folder of its
 * private Wine prefix, where Windows has the real one. It is never shipped:
 * scripts/package-windows.sh copies the .exe alone.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom */

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a ULONG: fill larger buffers in pieces. */
    while (length > 0) {
        ULONG piece = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, piece))
            return FALSE;
        data += piece;
        length -= piece;
    }
    /* Windows' own ProcessPrng always succeeds; RtlGenRandom failing is reported above. */
    return TRUE;
}
