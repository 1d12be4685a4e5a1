//! data-prep: turns colour illustrations (or existing line art + colour pairs) into the
//! 128 px (line art, colour) dataset that `colorize train` reads. No libtorch here, so it
//! builds in seconds; `colorize` reuses its image loading and INTER_AREA resize.
