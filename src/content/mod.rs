//! The content model and its loader: files → typed content → validated site.

pub mod links;
pub mod load;
pub mod model;
pub mod source;
pub mod validate;
