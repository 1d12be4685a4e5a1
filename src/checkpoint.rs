//! Run directory format, atomic saves, resume.
