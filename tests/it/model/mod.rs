//! The networks, losses and optimisers, a module each: shapes, parameter counts, loss
//! values, the gradient penalty and Adam / RMSprop steps against hand computation.

mod discriminator;
mod fast;
mod generator;
mod layers;
mod loss;
mod optim;
