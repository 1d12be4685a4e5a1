//! Optimisers of our own (Adam, RMSprop) whose moments can be saved and restored.
