//! Allocator limits and start-up clean-up for the server process, chosen by measurement (the `memory`
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

/// Hands back what start-up alone needed, once the application is built: call after the
/// routes and the OpenAPI document exist and before serving.
///
/// Measured with the `memory` benchmark (SQLite, 2026-12-01): of the 19 MB the server had
/// allocated after start-up, about 9 MB were free heap left over from migrations, the
/// library seed and building the document, and of the binary's 26 MB of resident code
/// and read-only data, about 9 MB were pages only start-up ran.
pub fn settle_after_start_up() {
    trim_heap();
    release_startup_code();
}

/// Returns the free pages inside glibc's heaps to the system (glibc keeps free memory
/// below the top of a heap otherwise).
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator holds as free.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Drops this process's mappings of the binary's code pages that start-up touched:
/// building the OpenAPI document and the routes runs every operation's description code
/// once. The pages are clean copies of the file, so the kernel reads them back from the
/// file cache when a request runs that code again; until then they no longer count as
/// resident. Only read-only mappings of the executable that hold no private (written)
/// pages are dropped: relocated data must stay.
fn release_startup_code() {
    #[cfg(target_os = "linux")]
    for (start, len) in clean_executable_mappings() {
        // SAFETY: the range is a whole read-only private mapping of our own executable
        // with no private pages; MADV_DONTNEED there only unmaps page-table entries, and
        // the same bytes come back from the file on the next access.
        unsafe {
            libc::madvise(start as *mut libc::c_void, len, libc::MADV_DONTNEED);
        }
    }
}

/// `(start, length)` of each read-only mapping of `/proc/self/exe` whose smaps entry
/// says `Anonymous: 0 kB`.
#[cfg(target_os = "linux")]
fn clean_executable_mappings() -> Vec<(usize, usize)> {
    let (Ok(exe), Ok(smaps)) = (std::fs::read_link("/proc/self/exe"), std::fs::read_to_string("/proc/self/smaps"))
    else {
        return Vec::new();
    };
    let exe = exe.to_string_lossy();
    let mut current = None;
    let mut clean = Vec::new();
    for line in smaps.lines() {
        if let Some(kb) = line.strip_prefix("Anonymous:") {
            if let Some(range) = current.take()
                && kb.trim() == "0 kB"
            {
                clean.push(range);
            }
            continue;
        }
        let mut fields = line.split_whitespace();
        let Some((start, end)) = fields.next().and_then(|r| r.split_once('-')) else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else {
            continue; // a "Key: value" line of the current mapping
        };
        let perms = fields.next().unwrap_or_default();
        let path = fields.nth(3).unwrap_or_default();
        current = (path == exe && !perms.contains('w') && end > start).then_some((start, end - start));
    }
    clean
}
