//! Allocator limits for the server process, chosen by measurement (the `memory`
//! benchmark; figures in the README).
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
