//! Line-art extraction placeholder (filled in below).
