//! How the page talks to its workers: the main worker's bridge, the formats
//! worker's errands, the reading
//! of files (in slices, with a second reader for big files), and the pool
//! that runs a plan's jobs, and the keeping of the person's work across reloads. It changes the state and names no page.

pub mod bridge;
pub mod formats;
pub mod keep;
pub mod loading;
pub mod pool;
