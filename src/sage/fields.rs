//! The Sage fields passerelle itself writes or reads, as typed ids: `Ccli::Intitule`,
//! `Chen::Piece`, `Chli::PrixUnitaire`...
//!
//! Each id is defined once, here, with the Sage name and the kind the code expects. When a
//! layout loads (`Layout::parse`), every id is looked up in it once; a layout that lacks one
//! of these records or fields, or gives a field another kind, is refused with a message that
//! names it. After that, setting or reading a field is an index into the record: no name is
//! looked up while records are built, and a misspelt id does not compile.
//!
//! Names that come from outside the code (`[customers.fields]` and `[clients.columns]` of the
//! profile, the fields of an import paramétrable template) are resolved against the layout
//! when the profile or template is checked (`RecordLayout::resolve`), and kept as positions.
//!
//! Naming: the Sage name without the prefix of the record's own table (`CT_` in `#CCLI`,
//! `LI_` in `#CCDL`, `DO_` in `#CHEN`, `DL_` in `#CHLI`, `DR_` in `#CHRE`, `CTT_` in
//! `#MCTT`); a field of another table keeps its prefix (`Ccli::CgNumPrinc` is `CG_NumPrinc`,
//! `Chli::ArRef` is `AR_Ref`).

use super::value::Kind;

/// A typed field id of one record kind.
pub trait FieldId: Copy {
    /// The record this field belongs to.
    const RECORD: RecordKind;
    /// Rank among the ids of its record (not the field's position in the layout).
    fn ordinal(self) -> usize;

    /// The Sage name, as in the layout and in messages (`CT_Intitule`).
    fn name(self) -> &'static str {
        Self::RECORD.fields()[self.ordinal()].0
    }
}

macro_rules! record_fields {
    ($(
        $(#[$doc:meta])*
        $ty:ident = $tag:literal {
            $( $var:ident = $name:literal $kind:ident, )*
        }
    )*) => {
        /// The records whose fields the code names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RecordKind { $($ty),* }

        impl RecordKind {
            pub const ALL: &'static [RecordKind] = &[$(RecordKind::$ty),*];

            /// The tag, without `#`.
            pub fn tag(self) -> &'static str {
                match self { $(RecordKind::$ty => $tag),* }
            }

            /// (Sage name, kind) of each id of this record, in id order.
            pub fn fields(self) -> &'static [(&'static str, Kind)] {
                match self { $(RecordKind::$ty => &[$(($name, Kind::$kind)),*]),* }
            }
        }

        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum $ty { $($var),* }

            impl FieldId for $ty {
                const RECORD: RecordKind = RecordKind::$ty;
                #[inline]
                fn ordinal(self) -> usize {
                    self as usize
                }
            }
        )*
    };
}

record_fields! {
    /// `#CCLI`, the client card.
    Ccli = "CCLI" {
        Num = "CT_Num" Text,
        CgNumPrinc = "CG_NumPrinc" Text,
        Intitule = "CT_Intitule" Text,
        Classement = "CT_Classement" Text,
        Contact = "CT_Contact" Text,
        Adresse = "CT_Adresse" Text,
        Complement = "CT_Complement" Text,
        CodePostal = "CT_CodePostal" Text,
        Ville = "CT_Ville" Text,
        CodeRegion = "CT_CodeRegion" Text,
        Pays = "CT_Pays" Text,
        NumPayeur = "CT_NumPayeur" Text,
        NCatCompta = "N_CatCompta" Int,
        CoNom = "CO_Nom" Text,
        CoPrenom = "CO_Prenom" Text,
        Siret = "CT_Siret" Text,
        Ape = "CT_Ape" Text,
        Identifiant = "CT_Identifiant" Text,
        DateCreate = "CT_DateCreate" Date,
        Telephone = "CT_Telephone" Text,
        Telecopie = "CT_Telecopie" Text,
        EMail = "CT_EMail" Text,
        Assujettissement = "CT_Assujettissement" Int,
    }

    /// `#CCDL`, a delivery address of the client above it.
    Ccdl = "CCDL" {
        Intitule = "LI_Intitule" Text,
        Adresse = "LI_Adresse" Text,
        Complement = "LI_Complement" Text,
        CodePostal = "LI_CodePostal" Text,
        Ville = "LI_Ville" Text,
        CodeRegion = "LI_CodeRegion" Text,
        Pays = "LI_Pays" Text,
        Contact = "LI_Contact" Text,
        Principal = "LI_Principal" Int,
        Telephone = "LI_Telephone" Text,
        EMail = "LI_EMail" Text,
    }

    /// `#MCTT`, a contact of the client above it (read from exports only).
    Mctt = "MCTT" {
        EMail = "CTT_EMail" Text,
    }

    /// `#CHEN`, a document header.
    Chen = "CHEN" {
        Domaine = "DO_Domaine" Int,
        Type = "DO_Type" Int,
        Provenance = "DO_Provenance" Int,
        Souche = "DO_Souche" Int,
        Piece = "DO_Piece" Text,
        Date = "DO_Date" Date,
        Ref = "DO_Ref" Text,
        DateLivr = "DO_DateLivr" Date,
        Tiers = "DO_Tiers" Text,
        DeNo = "DE_No" Text,
        LiNo = "LI_No" Text,
        CtNumPayeur = "CT_NumPayeur" Text,
        CoNom = "CO_Nom" Text,
        CoPrenom = "CO_Prenom" Text,
        NCatCompta = "N_CatCompta" Int,
        CgNum = "CG_Num" Text,
        Heure = "DO_Heure" Time,
        NoWeb = "DO_NoWeb" Text,
        PieceOrig = "DO_PieceOrig" Text,
    }

    /// `#CHLI`, a document line.
    Chli = "CHLI" {
        ArRef = "AR_Ref" Text,
        Design = "DL_Design" Text,
        TexteComplementaire = "DL_TexteComplementaire" Text,
        Ttc = "DL_TTC" Int,
        PrixUnitaire = "DL_PrixUnitaire" Dec,
        Qte = "DL_Qte" Dec,
        EuQte = "EU_Qte" Dec,
        Remise = "DL_Remise" Text,
        ProvenanceFacture = "DL_ProvenanceFacture" Int,
        DoDateLivr = "DO_DateLivr" Date,
        DeNo = "DE_No" Text,
        Taxe1 = "DL_Taxe1" Dec,
        CtNum = "CT_Num" Text,
        DoDate = "DO_Date" Date,
        CodeTaxe1 = "DL_CodeTaxe1" Text,
    }

    /// `#CHRE`, a due date of the document.
    Chre = "CHRE" {
        Date = "DR_Date" Date,
        ModeReglement = "DR_ModeReglement" Int,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_per_record_and_ordinals_follow_the_table() {
        for kind in RecordKind::ALL {
            let names: Vec<&str> = kind.fields().iter().map(|f| f.0).collect();
            let mut sorted = names.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), names.len(), "#{} lists a name twice", kind.tag());
        }
        assert_eq!(Ccli::Intitule.name(), "CT_Intitule");
        assert_eq!(Chen::Piece.name(), "DO_Piece");
        assert_eq!(Chli::ArRef.name(), "AR_Ref");
        assert_eq!(Chre::ModeReglement.name(), "DR_ModeReglement");
    }
}
