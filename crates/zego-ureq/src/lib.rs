//! zego-ureq (under construction).
