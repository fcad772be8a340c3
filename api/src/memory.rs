//! Allocator limits and the heap trim after start-up for the server process, chosen by
//! measurement (the `memory` benchmark; figures in the README).
//!
//! Each login hashes the password with argon2id, which allocates one 19 MiB block. glibc
//! serves large blocks with mmap and unmaps them on free, but it also raises its mmap
//! threshold to the size of the largest block freed so far. After the first login, the
//! 19 MiB blocks therefore come from the heap arena of whichever blocking thread hashed,
//! and each arena keeps its peak: 200 logins left the server at 265 MB. A fixed threshold
//! keeps large blocks on mmap (returned to the system when freed), and two arenas bound
//! what the many short-lived worker threads can hold on to.

/// Blocks of this size or more are mapped on their own and returned when freed.
const MMAP_THRESHOLD: i32 = 256 * 1024;
/// Heap arenas: one for the main thread and one shared by the rest is enough on the
/// small machines Fascia targets; more only spreads fragmentation.
const ARENAS: i32 = 2;

/// Applies the limits; call first thing in `main`, before any thread starts.
pub fn limit_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes glibc allocator parameters; it is called before any
    // other thread exists, and the values are within glibc's documented ranges.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
    }
}

/// Hands back the heap start-up alone needed: call once the routes and the OpenAPI
/// document exist, before serving. Measured with the `memory` benchmark (SQLite,
/// 2026-12-01): of the 19 MB the server had allocated after start-up, about 9 MB were
/// free heap left over from migrations, the library seed and building the document,
/// which glibc keeps below the top of its heaps unless asked to return it.
///
/// The binary's code pages that start-up touched (about 8 MB) could be dropped from the
/// process's mappings with `madvise`, and the resident figure would fall by as much, but
/// nothing would be freed: they are clean pages of the file, still held in the page cache
/// (and charged to the same cgroup), which the kernel can reclaim either way. So they
/// stay.
pub fn settle_after_start_up() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator holds as free.
    unsafe {
        libc::malloc_trim(0);
    }
}
