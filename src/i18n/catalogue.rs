//! Every text passerelle writes for people in both languages, English then French.
//! Sage's own words stay Sage's (intitulé, pièce, souche, catégorie comptable, facture, avoir).
//! Placeholders are `{name}`; both texts of a message name the same ones (tested).

/// Defines `Msg` and its table: each message must give `en` and `fr` (a variant without
/// both does not compile).
macro_rules! messages {
    ($( $(#[$doc:meta])* $name:ident { en: $en:expr, fr: $fr:expr $(,)? } )*) => {
        /// A message of the catalogue.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Msg {
            $( $(#[$doc])* $name, )*
        }

        impl Msg {
            /// Every message, for the completeness test.
            pub const ALL: &'static [Msg] = &[$(Msg::$name),*];

            /// (English, French).
            pub const fn texts(self) -> (&'static str, &'static str) {
                match self {
                    $( Msg::$name => ($en, $fr), )*
                }
            }
        }
    };
}

/// Messages whose text has no word to translate (the same in both languages on purpose).
#[cfg(test)]
pub(super) const SAME_IN_BOTH: &[Msg] = &[
    Msg::SumPiece,
    Msg::HtmlHt,
    Msg::HtmlTtc,
    Msg::HtmlEmail,
    Msg::HtmlCode,
    Msg::HtmlColClient,
    Msg::HtmlColType,
    Msg::HtmlColAction,
    Msg::HtmlColMessage,
    Msg::HtmlKeySiret,
    Msg::HtmlKeyEmail,
    Msg::HtmlKeyCode,
];

messages! {
    // ---- Console summary of a run (`convert`, and each file of `watch`) ----
    /// An input converted; `what` is `SumWhat`.
    SumOk { en: "ok      {path} ({what}, {records} records)", fr: "ok      {path} ({what}, {records} enregistrement(s))" }
    SumPartial {
        en: "PARTIAL {path} ({what}, {records} records, {failed} failed: see the errors below)",
        fr: "PARTIEL {path} ({what}, {records} enregistrement(s), {failed} en échec : voir les erreurs ci-dessous)",
    }
    SumFailed { en: "FAILED  {path} ({what})", fr: "ÉCHEC   {path} ({what})" }
    SumJoined { en: "        joined to {input}", fr: "        joint à {input}" }
    /// Platform and kind of an input ("shopify orders", "commandes shopify").
    SumWhat { en: "{platform} {kind}", fr: "{kind} {platform}" }
    SumUnrecognised { en: "unrecognised", fr: "non reconnu" }
    SumCustomers {
        en: "customers: {created} created, {matched} matched, {updated} updated, {single} on the single account, {failed} failed",
        fr: "clients : {created} créé(s), {matched} trouvé(s) dans la liste des clients, {updated} mis à jour, {single} sur le compte client unique, {failed} en échec",
    }
    SumCustomersIssuedBefore {
        en: "customers: {created} created, {before} issued before and written again (not in the client list yet), {matched} matched, {updated} updated, {single} on the single account, {failed} failed",
        fr: "clients : {created} créé(s), {before} déjà attribué(s) par une conversion précédente et écrit(s) à nouveau (pas encore dans la liste des clients), {matched} trouvé(s) dans la liste des clients, {updated} mis à jour, {single} sur le compte client unique, {failed} en échec",
    }
    SumCustomersDry {
        en: "customers: {created} would be created, {matched} matched, {updated} would be updated, {single} on the single account, {failed} failed",
        fr: "clients : {created} à créer, {matched} trouvé(s) dans la liste des clients, {updated} à mettre à jour, {single} sur le compte client unique, {failed} en échec",
    }
    SumCustomersIssuedBeforeDry {
        en: "customers: {created} would be created, {before} issued before and would be written again (not in the client list yet), {matched} matched, {updated} would be updated, {single} on the single account, {failed} failed",
        fr: "clients : {created} à créer, {before} déjà attribué(s) par une conversion précédente, à écrire à nouveau (pas encore dans la liste des clients), {matched} trouvé(s) dans la liste des clients, {updated} à mettre à jour, {single} sur le compte client unique, {failed} en échec",
    }
    SumDocumentsDry {
        en: "documents: {created} would be created{pieces}{credit_notes}, {already} already converted, {skipped} skipped, {failed} failed",
        fr: "documents : {created} à créer{pieces}{credit_notes}, {already} déjà converti(s), {skipped} écarté(s), {failed} en échec",
    }
    /// A file a dry run would write, under an input of the summary.
    SumWouldWrite { en: "        → {path} (would be written)", fr: "        → {path} (serait écrit)" }
    SumDocuments {
        en: "documents: {created} created{pieces}{credit_notes}, {already} already converted, {skipped} skipped, {failed} failed",
        fr: "documents : {created} créé(s){pieces}{credit_notes}, {already} déjà converti(s), {skipped} écarté(s), {failed} en échec",
    }
    SumOmitted {
        en: "the report lists the first {cap} customers and documents and counts the others: {customers} customer and {documents} document entries left out (counted in the totals above)",
        fr: "le rapport liste les {cap} premiers clients et documents et compte les autres : {customers} client(s) et {documents} document(s) non listés (comptés dans les totaux ci-dessus)",
    }
    SumCreditNotes { en: ", of which {n} credit note(s)", fr: ", dont {n} avoir(s)" }
    SumPiece { en: " (pièce {piece})", fr: " (pièce {piece})" }
    SumPieces { en: " (pièces {first} to {last})", fr: " (pièces {first} à {last})" }
    SumErrorsIn { en: "{n} error(s) in {input}:", fr: "{n} erreur(s) dans {input} :" }
    SumErrorsAlike { en: "  {field}{message} (×{n} like this: {records})", fr: "  {field}{message} (×{n} comme celle-ci : {records})" }
    SumErrorsMoreConvert {
        en: "  ... {rest} more error(s) of {kinds} other kind(s) (see --report)",
        fr: "  ... {rest} erreur(s) de plus, de {kinds} autre(s) sorte(s) (voir --report)",
    }
    SumErrorsMoreWatch {
        en: "  ... {rest} more error(s) of {kinds} other kind(s) (all in the .report.json kept with the file)",
        fr: "  ... {rest} erreur(s) de plus, de {kinds} autre(s) sorte(s) (toutes dans le .report.json gardé avec le fichier)",
    }
    SumWarnings { en: "{total} warning(s): {counts}", fr: "{total} avertissement(s) : {counts}" }
    SumWarningTimes { en: " (×{n}, same for other records)", fr: " (×{n}, de même pour d'autres enregistrements)" }
    SumWarningsMoreConvert { en: "  [{kind}] ... {more} more (see --report)", fr: "  [{kind}] ... {more} de plus (voir --report)" }
    SumWarningsMoreWatch {
        en: "  [{kind}] ... {more} more (all in the .report.json kept with the file)",
        fr: "  [{kind}] ... {more} de plus (tous dans le .report.json gardé avec le fichier)",
    }
    SumDryRun { en: "dry run: nothing was written", fr: "simulation (--dry-run) : rien n'a été écrit" }
    SumHtml { en: "report for people: {path}", fr: "rapport à lire : {path}" }

    // ---- Kinds of input, as shown to people (the JSON keeps `orders`, `customers`) ----
    KindOrders { en: "orders", fr: "commandes" }
    KindCustomers { en: "customers", fr: "clients" }

    // ---- passerelle watch ----
    WatchLine {
        en: "{converted} converted, {partial} converted in part, {failed} failed, {duplicates} duplicate(s)",
        fr: "{converted} converti(s), {partial} converti(s) en partie, {failed} en échec, {duplicates} doublon(s)",
    }
    WatchLeft { en: ", {n} still being written (left in inbox/)", fr: ", {n} en cours d'écriture (laissé(s) dans inbox/)" }
    WatchUntaken { en: ", {n} that could not be taken (left in inbox/)", fr: ", {n} impossible(s) à prendre (laissé(s) dans inbox/)" }
    WatchStuck {
        en: "; unfinished, left in work/ for the next run: {reason}",
        fr: "; inachevé, laissé dans work/ pour la prochaine fois : {reason}",
    }
    WatchFileFailed { en: "\"{file}\" failed: see {note}", fr: "« {file} » en échec : voir {note}" }
    WatchFilePartial {
        en: "\"{file}\" converted in part → {outputs}; failed records: see {note}",
        fr: "« {file} » converti en partie → {outputs} ; enregistrements en échec : voir {note}",
    }
    WatchFileNothing {
        en: "\"{file}\" converted: nothing new to import, no output",
        fr: "« {file} » converti : rien de nouveau à importer, aucun fichier écrit",
    }
    WatchFileConverted { en: "\"{file}\" converted → {outputs}", fr: "« {file} » converti → {outputs}" }
    WatchFileDuplicate {
        en: "\"{file}\": same content as \"{first}\" received {received}: not converted again ({kept})",
        fr: "« {file} » : même contenu que « {first} » reçu le {received} : pas converti à nouveau ({kept})",
    }

    // ---- profile init, template copy ----
    Wrote { en: "wrote {file}", fr: "{file} écrit" }
    WroteTemplate {
        en: "wrote {file}: edit it, then name it in the profile's [output] templates (a path relative to the profile's folder)",
        fr: "{file} écrit : modifiez-le, puis nommez-le dans [output] templates du profil (un chemin relatif au dossier du profil)",
    }
    FileExists {
        en: "{file} already exists and is left as it is: choose another name, or add --force to replace it",
        fr: "{file} existe déjà et reste tel quel : choisissez un autre nom, ou ajoutez --force pour le remplacer",
    }

    // ---- --help ----
    HelpUsage { en: "Usage:", fr: "Utilisation :" }
    HelpCommands { en: "Commands", fr: "Commandes" }
    HelpHelpFlag { en: "Print help", fr: "Afficher l'aide" }
    HelpVersionFlag { en: "Print version", fr: "Afficher la version" }
    HelpHelpCommand {
        en: "Print this message or the help of the given subcommand(s)",
        fr: "Afficher ce message ou l'aide de la ou des commandes données",
    }
    HelpAbout {
        en: "Shop exports (Shopify, PrestaShop, WooCommerce, Magento) → Sage 100 Gestion Commerciale import files",
        fr: "Exports de boutique (Shopify, PrestaShop, WooCommerce, Magento) → fichiers d'import pour Sage 100 Gestion Commerciale",
    }
    HelpLang {
        en: "Language of what is written for people (console, HTML report, profile comments, help). Default: the system's",
        fr: "Langue de ce qui est écrit pour les personnes (console, rapport HTML, commentaires du profil, aide). Par défaut : celle du système",
    }
    HelpConvert { en: "Convert shop exports into Sage import files", fr: "Convertir des exports de boutique en fichiers d'import Sage" }
    HelpConvertProfile {
        en: "Profile (TOML). Default: ./profile.toml if present, else built-in defaults",
        fr: "Profil (TOML). Par défaut : ./profile.toml s'il existe, sinon les réglages par défaut",
    }
    HelpConvertClients {
        en: "Client list exported from Gestion Commerciale (overrides [clients] file)",
        fr: "Liste des clients exportée de la Gestion Commerciale (remplace [clients] file)",
    }
    HelpConvertOut { en: "Output folder", fr: "Dossier de sortie" }
    HelpConvertReport { en: "Write the run report as JSON", fr: "Écrire le rapport de la conversion en JSON" }
    HelpConvertHtml {
        en: "Write the run report as an HTML page to read: files, orders, clients, warnings, and how to import into Sage",
        fr: "Écrire le rapport de la conversion en page HTML à lire : fichiers, commandes, clients, avertissements, et comment importer dans Sage",
    }
    HelpConvertState {
        en: "What survives between runs (issued codes, counter). Default: state/ next to the profile",
        fr: "Ce qui est gardé d'une conversion à l'autre (codes attribués, compteur). Par défaut : state/ à côté du profil",
    }
    HelpConvertDryRun {
        en: "Convert and report as a real run would, naming the files it would write; write no output and no state",
        fr: "Convertir et rendre compte comme une vraie conversion, en nommant les fichiers qu'elle écrirait ; n'écrire aucun fichier ni état",
    }
    HelpConvertForce {
        en: "Convert orders the ledger says were already converted",
        fr: "Convertir aussi les commandes que le registre dit déjà converties",
    }
    HelpConvertInputs { en: "Shop exports", fr: "Exports de la boutique" }
    HelpProfile { en: "Write or check a profile", fr: "Écrire ou vérifier un profil" }
    HelpProfileInit { en: "Write the commented default profile", fr: "Écrire le profil par défaut, commenté" }
    HelpProfileInitFile { en: "Where to write it", fr: "Où l'écrire" }
    HelpOverwrite { en: "Overwrite an existing file", fr: "Remplacer un fichier existant" }
    HelpProfileCheck {
        en: "Check a profile and report every problem with its line",
        fr: "Vérifier un profil et signaler chaque problème avec sa ligne",
    }
    HelpProfileCheckFile { en: "The profile to check", fr: "Le profil à vérifier" }
    HelpProfileCheckClients {
        en: "Client list to check single_account and template against (default: the profile's)",
        fr: "Liste des clients où chercher single_account et template (par défaut : celle du profil)",
    }
    HelpInspect {
        en: "Show how files are read: platform, kind, encoding, delimiter, columns, first records",
        fr: "Montrer comment les fichiers sont lus : plateforme, type, encodage, séparateur, colonnes, premiers enregistrements",
    }
    HelpInspectProfile { en: "Profile whose [input] settings apply", fr: "Profil dont les réglages [input] s'appliquent" }
    HelpInspectRecords { en: "Records shown per file", fr: "Enregistrements montrés par fichier" }
    HelpInspectInputs { en: "Files to inspect", fr: "Fichiers à examiner" }
    HelpValidate {
        en: "Check Format Sage files: frame, encoding, field counts, lengths, references",
        fr: "Vérifier des fichiers au Format Sage : cadre, encodage, nombre de champs, longueurs, références",
    }
    HelpValidateFiles { en: "Format Sage files", fr: "Fichiers au Format Sage" }
    HelpWatch {
        en: "Watch a drop folder: files dropped in DIR/inbox are converted into DIR/out",
        fr: "Surveiller un dossier de dépôt : les fichiers déposés dans DIR/inbox sont convertis dans DIR/out",
    }
    HelpWatchDir {
        en: "The drop folder (inbox/, out/, archive/, errors/ inside)",
        fr: "Le dossier de dépôt (inbox/, out/, archive/, errors/ dedans)",
    }
    HelpWatchProfile { en: "Profile (TOML). Default: DIR/profile.toml", fr: "Profil (TOML). Par défaut : DIR/profile.toml" }
    HelpWatchOnce {
        en: "Process what is in the inbox, then exit (for a scheduled task)",
        fr: "Traiter ce qui est dans inbox, puis s'arrêter (pour une tâche planifiée)",
    }
    HelpWatchPoll {
        en: "Scan the inbox every SECONDS instead of waiting for file-system events (network shares)",
        fr: "Examiner inbox toutes les SECONDS secondes au lieu d'attendre les événements du système de fichiers (partages réseau)",
    }
    HelpWatchLog {
        en: "Also append the log to FILE (overrides [watch] log_file)",
        fr: "Ajouter aussi le journal à FILE (remplace [watch] log_file)",
    }
    HelpWatchVerbose { en: "Log every decision (debug level)", fr: "Journaliser chaque décision (niveau debug)" }
    HelpClients {
        en: "The client list exported from Gestion Commerciale",
        fr: "La liste des clients exportée de la Gestion Commerciale",
    }
    HelpClientsInspect {
        en: "How a client list is read: format, columns, counts, conflicts, invalid keys",
        fr: "Comment une liste de clients est lue : format, colonnes, comptes, conflits, clés invalides",
    }
    HelpClientsInspectFile {
        en: "Client list (CSV, XLSX or Format Sage export)",
        fr: "Liste des clients (CSV, XLSX ou export au Format Sage)",
    }
    HelpClientsInspectProfile {
        en: "Profile whose [clients] settings apply (columns, encoding, sheet)",
        fr: "Profil dont les réglages [clients] s'appliquent (colonnes, encodage, feuille)",
    }
    HelpClientsInspectNotes {
        en: "Notes shown (duplicates, invalid values...)",
        fr: "Remarques montrées (doublons, valeurs invalides...)",
    }
    HelpTemplate {
        en: "Import paramétrable templates: list them, describe one for Sage's import wizard, copy one",
        fr: "Modèles d'import paramétrable : les lister, en décrire un pour l'assistant d'import de Sage, en copier un",
    }
    HelpTemplateList { en: "List the built-in templates", fr: "Lister les modèles fournis" }
    HelpTemplateDescribe {
        en: "The layout to enter once in Sage's import wizard: for each field, the Sage field, column or position, length, alignment and format",
        fr: "Le format à saisir une fois dans l'assistant d'import de Sage : pour chaque champ, le champ Sage, la colonne ou la position, la longueur, l'alignement et le format",
    }
    HelpTemplateDescribeName {
        en: "A built-in template name, or the path of a template file (.toml)",
        fr: "Le nom d'un modèle fourni, ou le chemin d'un fichier de modèle (.toml)",
    }
    HelpTemplateDescribeMarkdown { en: "Markdown tables instead of plain text", fr: "Tableaux Markdown au lieu de texte simple" }
    HelpTemplateCopy {
        en: "Write a built-in template to FILE, to edit it and name it in the profile",
        fr: "Écrire un modèle fourni dans FILE, pour le modifier et le nommer dans le profil",
    }
    HelpTemplateCopyName { en: "A built-in template name", fr: "Le nom d'un modèle fourni" }
    HelpTemplateCopyFile { en: "Where to write it", fr: "Où l'écrire" }

    // ---- The HTML report ----
    HtmlTitle { en: "passerelle: conversion report", fr: "passerelle : rapport de conversion" }
    HtmlWritten { en: "Written {date} by passerelle {version}.", fr: "Écrit le {date} par passerelle {version}." }
    HtmlDryRun {
        en: "Dry run (--dry-run): nothing was written, no code or order was recorded. The page says what a real run would do.",
        fr: "Simulation (--dry-run) : rien n'a été écrit, aucun code ni aucune commande n'a été enregistré. La page dit ce que ferait une vraie conversion.",
    }
    HtmlVerdictOk { en: "Every file converted.", fr: "Tous les fichiers ont été convertis." }
    HtmlVerdictOkDry { en: "Every file would be converted.", fr: "Tous les fichiers seraient convertis." }
    HtmlVerdictFailedDry {
        en: "Some files or records failed: see the errors below. A real run would write what converted.",
        fr: "Des fichiers ou des enregistrements sont en échec : voir les erreurs plus bas. Une vraie conversion écrirait ce qui a été converti.",
    }
    HtmlVerdictFailed {
        en: "Some files or records failed: see the errors below. What converted was written.",
        fr: "Des fichiers ou des enregistrements sont en échec : voir les erreurs plus bas. Ce qui a été converti a été écrit.",
    }
    HtmlStopped {
        en: "The run stopped before converting anything: nothing was written.",
        fr: "La conversion s'est arrêtée avant de rien convertir : rien n'a été écrit.",
    }
    HtmlMessagesInEnglish {
        en: "Some warning and error messages are in English only.",
        fr: "Certains messages d'avertissement et d'erreur ne sont encore qu'en anglais.",
    }
    HtmlContents { en: "Contents", fr: "Sommaire" }
    HtmlSummary { en: "Summary", fr: "En bref" }
    HtmlImport { en: "Import into Sage 100 Gestion Commerciale", fr: "Importer dans Sage 100 Gestion Commerciale" }
    HtmlInputs { en: "Files read", fr: "Fichiers lus" }
    HtmlOrders { en: "Orders", fr: "Commandes" }
    HtmlCustomers { en: "Customers", fr: "Clients" }
    HtmlErrors { en: "Errors", fr: "Erreurs" }
    HtmlWarnings { en: "Warnings", fr: "Avertissements" }

    HtmlTotCustomersCreated { en: "Clients created", fr: "Clients créés" }
    HtmlTotCustomersCreatedDry { en: "Clients that would be created", fr: "Clients qui seraient créés" }
    HtmlTotCustomersIssuedBefore {
        en: "of which codes issued by an earlier run, written again (not in the client list yet)",
        fr: "dont codes attribués par une conversion précédente, écrits à nouveau (pas encore dans la liste des clients)",
    }
    HtmlTotCustomersMatched { en: "Customers found in the client list", fr: "Clients trouvés dans la liste des clients" }
    HtmlTotCustomersUpdated { en: "Clients updated", fr: "Clients mis à jour" }
    HtmlTotCustomersUpdatedDry { en: "Clients that would be updated", fr: "Clients qui seraient mis à jour" }
    HtmlTotCustomersSingle { en: "Customers on the single account", fr: "Clients sur le compte client unique" }
    HtmlTotCustomersFailed { en: "Customers failed", fr: "Clients en échec" }
    HtmlTotDocumentsCreated { en: "Documents created", fr: "Documents créés" }
    HtmlTotDocumentsCreatedDry { en: "Documents that would be created", fr: "Documents qui seraient créés" }
    HtmlTotCreditNotes { en: "of which credit notes", fr: "dont avoirs" }
    HtmlCreditNotesDeducted {
        en: "Credit notes are deducted from the totals.",
        fr: "Les avoirs sont déduits des totaux.",
    }
    HtmlTotDocumentsAlready {
        en: "Orders already converted by an earlier run (not written again)",
        fr: "Commandes déjà converties par une conversion précédente (pas écrites à nouveau)",
    }
    HtmlTotDocumentsSkipped { en: "Orders skipped (status)", fr: "Commandes écartées (statut)" }
    HtmlTotDocumentsFailed { en: "Orders failed", fr: "Commandes en échec" }
    HtmlTotHt { en: "Total HT of the documents created", fr: "Total HT des documents créés" }
    HtmlTotTtc { en: "Total TTC of the documents created", fr: "Total TTC des documents créés" }
    HtmlAmountsUnknown {
        en: "{n} document(s) have an amount that cannot be computed (a line without a VAT rate): the totals leave it out.",
        fr: "{n} document(s) ont un montant qui ne peut pas être calculé (une ligne sans taux de TVA) : les totaux l'omettent.",
    }
    HtmlAmountsNote {
        en: "Amounts are those of the lines written (quantity × unit price − discount, VAT by line rate); Sage may round a cent differently.",
        fr: "Les montants sont ceux des lignes écrites (quantité × prix unitaire − remise, TVA au taux de la ligne) ; Sage peut arrondir d'un centime autrement.",
    }
    HtmlTotWarnings { en: "Warnings", fr: "Avertissements" }
    HtmlTotErrors { en: "Errors", fr: "Erreurs" }

    HtmlImportNothing { en: "No file was written: nothing to import.", fr: "Aucun fichier n'a été écrit : rien à importer." }
    HtmlImportDry {
        en: "Dry run: nothing was written, nothing to import yet. The same command without --dry-run would write the files below (under these names, as the output folder is now); they would then be imported as follows.",
        fr: "Simulation : rien n'a été écrit, rien à importer pour l'instant. La même commande sans --dry-run écrirait les fichiers ci-dessous (sous ces noms, vu le dossier de sortie actuel) ; ils s'importeraient alors ainsi.",
    }
    HtmlImportDryNothing {
        en: "Dry run: nothing was written, and a real run would write no file: nothing to import.",
        fr: "Simulation : rien n'a été écrit, et une vraie conversion n'écrirait aucun fichier : rien à importer.",
    }
    HtmlStepCopy {
        en: "The first time, and for each new kind of file, import into a copy of the dossier and check the result (client records, delivery addresses, documents, amounts, VAT) before importing into the real one. Back the dossier up before each import.",
        fr: "La première fois, et pour chaque nouveau type de fichier, importez dans une copie du dossier et vérifiez le résultat (fiches clients, adresses de livraison, pièces, montants, TVA) avant d'importer dans le vrai. Sauvegardez le dossier avant chaque import.",
    }
    HtmlStepSage {
        en: "In Gestion Commerciale, menu Fichier > Importer > Format Sage, import these files one after the other, in this order (clients before the documents that use them):",
        fr: "Dans la Gestion Commerciale, menu Fichier > Importer > Format Sage, importez ces fichiers l'un après l'autre, dans cet ordre (les clients avant les documents qui les utilisent) :",
    }
    HtmlFileClients { en: "new and updated clients", fr: "clients nouveaux et mis à jour" }
    HtmlFileDocuments {
        en: "{documents} document(s), each after the clients it uses (in the same file)",
        fr: "{documents} document(s), chacun après les clients qu'il utilise (dans le même fichier)",
    }
    HtmlStepParam {
        en: "Import paramétrable files: in Sage's import wizard, choose the format you defined for the template {name} (what to enter: passerelle template describe {name}; name it {name} to find it again), then the file:",
        fr: "Fichiers d'import paramétrable : dans l'assistant d'import de Sage, choisissez le format défini pour le modèle {name} (ce qu'il faut y saisir : passerelle template describe {name} ; nommez-le {name} pour le retrouver), puis le fichier :",
    }
    HtmlStepParamOrder {
        en: "Client templates first, then document line templates.",
        fr: "Les modèles de clients d'abord, puis ceux des lignes de documents.",
    }
    HtmlStepAfter {
        en: "After the import, export the client list from Gestion Commerciale again (into the file the profile names), so that the next conversion knows the new clients and their codes.",
        fr: "Après l'import, exportez à nouveau la liste des clients de la Gestion Commerciale (dans le fichier nommé par le profil) : la conversion suivante connaîtra ainsi les nouveaux clients et leurs codes.",
    }
    HtmlUnverified {
        en: "Not verified: the exact menu path (Fichier > Importer > Format Sage is the path usually given; it may differ between versions: i7, 100c, 100cloud), and where the import paramétrable wizard is. Check on your version, in a copy of the dossier.",
        fr: "Non vérifié : le chemin exact du menu (Fichier > Importer > Format Sage est le chemin habituellement cité ; il peut varier selon la version : i7, 100c, 100cloud), et l'emplacement de l'assistant d'import paramétrable. Vérifiez sur votre version, dans une copie du dossier.",
    }

    HtmlColFile { en: "File", fr: "Fichier" }
    HtmlColPlatform { en: "Platform", fr: "Plateforme" }
    HtmlColKind { en: "Kind", fr: "Type" }
    HtmlColGeneration { en: "Generation", fr: "Génération" }
    HtmlColEncoding { en: "Encoding", fr: "Encodage" }
    HtmlColRecords { en: "Records", fr: "Enregistrements" }
    HtmlColStatus { en: "Status", fr: "Statut" }
    HtmlColWritten { en: "Written / error", fr: "Écrit / erreur" }
    HtmlColWrittenDry { en: "Would be written / error", fr: "Serait écrit / erreur" }
    HtmlColOrder { en: "Order", fr: "Commande" }
    HtmlColClient { en: "Client", fr: "Client" }
    HtmlColHow { en: "How the client was found or made", fr: "Comment le client a été trouvé ou créé" }
    HtmlColPiece { en: "Piece", fr: "N° de pièce" }
    HtmlColType { en: "Document", fr: "Document" }
    HtmlHt { en: "HT", fr: "HT" }
    HtmlTtc { en: "TTC", fr: "TTC" }
    HtmlColLines { en: "Lines", fr: "Lignes" }
    HtmlColNotes { en: "Notes", fr: "Remarques" }
    HtmlColShopId { en: "Shop id", fr: "Id boutique" }
    HtmlColName { en: "Name", fr: "Nom" }
    HtmlEmail { en: "E-mail", fr: "E-mail" }
    HtmlCode { en: "Code", fr: "Code" }
    HtmlColAction { en: "Action", fr: "Action" }
    HtmlColWhy { en: "Why", fr: "Pourquoi" }
    HtmlColRecord { en: "Record", fr: "Enregistrement" }
    HtmlColField { en: "Field", fr: "Champ" }
    HtmlColMessage { en: "Message", fr: "Message" }
    HtmlColTimes { en: "Times", fr: "Fois" }

    HtmlStatusOk { en: "converted", fr: "converti" }
    HtmlStatusPartial { en: "converted in part", fr: "converti en partie" }
    HtmlStatusFailed { en: "failed", fr: "en échec" }
    HtmlDelimiter { en: "delimiter {delimiter}", fr: "séparateur {delimiter}" }
    HtmlJoinedTo { en: "completes {inputs}", fr: "complète {inputs}" }
    HtmlDocCreated { en: "created", fr: "créé" }
    HtmlDocCreatedDry { en: "would be created", fr: "serait créé" }
    HtmlDocAlready { en: "already converted", fr: "déjà converti" }
    HtmlDocSkipped { en: "skipped", fr: "écarté" }
    HtmlDocFailed { en: "failed", fr: "en échec" }
    HtmlTypeInvoice { en: "invoice", fr: "facture" }
    HtmlTypeCreditNote { en: "credit note", fr: "avoir" }
    HtmlTypeQuote { en: "quote", fr: "devis" }
    HtmlTypeOrder { en: "order", fr: "bon de commande" }
    HtmlTypeDeliveryNote { en: "delivery note", fr: "bon de livraison" }
    HtmlCreditNoteOf { en: "of invoice {piece}", fr: "de la facture {piece}" }
    HtmlCustCreated { en: "created", fr: "créé" }
    HtmlCustCreatedDry { en: "would be created", fr: "serait créé" }
    HtmlCustIssuedEarlier {
        en: "written again under the code an earlier run issued",
        fr: "écrit à nouveau sous le code attribué par une conversion précédente",
    }
    HtmlCustMatched { en: "found by {key}", fr: "trouvé par {key}" }
    HtmlCustUpdated { en: "found by {key} and updated", fr: "trouvé par {key} et mis à jour" }
    HtmlCustFound { en: "found in the client list", fr: "trouvé dans la liste des clients" }
    HtmlCustUpdatedOnly { en: "updated", fr: "mis à jour" }
    HtmlCustUpdatedDry { en: "found by {key}, would be updated", fr: "trouvé par {key}, serait mis à jour" }
    HtmlCustUpdatedOnlyDry { en: "would be updated", fr: "serait mis à jour" }
    HtmlCustSingle { en: "single account", fr: "compte client unique" }
    HtmlCustFailed { en: "failed", fr: "en échec" }
    HtmlKeySiret { en: "SIRET", fr: "SIRET" }
    HtmlKeyEmail { en: "e-mail", fr: "e-mail" }
    HtmlKeyVat { en: "VAT number", fr: "numéro de TVA" }
    HtmlKeyCode { en: "code", fr: "code" }
    HtmlNoOrders { en: "No order in this run.", fr: "Aucune commande dans cette conversion." }
    HtmlNoCustomers { en: "No customer in this run.", fr: "Aucun client dans cette conversion." }
    HtmlNoErrors { en: "No error.", fr: "Aucune erreur." }
    HtmlNoWarnings { en: "No warning.", fr: "Aucun avertissement." }
    HtmlRowsMore {
        en: "Only the first {shown} of {total} are listed here, to keep the page light; all are in the JSON report (--report, or the .report.json that watch keeps). The {rest} not listed: {counts}.",
        fr: "Seuls les {shown} premiers sur {total} sont listés ici, pour garder la page légère ; tous sont dans le rapport JSON (--report, ou le .report.json que garde watch). Les {rest} non listés : {counts}.",
    }
    HtmlRowsMoreOmitted {
        en: "Only the first {shown} of {total} are listed here, to keep the page light; the JSON report lists the first {listed} and counts the others. The {rest} not listed: {counts}.",
        fr: "Seuls les {shown} premiers sur {total} sont listés ici, pour garder la page légère ; le rapport JSON liste les {listed} premiers et compte les autres. Les {rest} non listés : {counts}.",
    }
    HtmlEntriesNotKept {
        en: "The entries of this run were not kept: only the totals are shown.",
        fr: "Le détail de cette conversion n'a pas été gardé : seuls les totaux sont montrés.",
    }
    HtmlErrorsIn { en: "{n} error(s) in {input}", fr: "{n} erreur(s) dans {input}" }
    HtmlErrorGroupsMore {
        en: "… {rest} more error(s) of {kinds} other kind(s): all are in the JSON report.",
        fr: "… {rest} erreur(s) de plus, de {kinds} autre(s) sorte(s) : toutes sont dans le rapport JSON.",
    }
    HtmlWarningKind { en: "{kind}: {n}", fr: "{kind} : {n}" }
    HtmlWarningsMore {
        en: "… {rest} more entries of this kind: all are in the JSON report.",
        fr: "… {rest} entrées de plus de cette sorte : toutes sont dans le rapport JSON.",
    }
    HtmlAlso { en: "also: {records}", fr: "aussi : {records}" }
    HtmlSameForOthers { en: "and other records", fr: "et d'autres enregistrements" }
    HtmlAllKinds {
        en: "Each kind is named as in the JSON report (its key there, in every language), with what it means.",
        fr: "Chaque sorte d'avertissement est nommée en français, avec ce qu'elle signifie ; le rapport JSON la garde sous son nom anglais (kind).",
    }

    // ---- Warnings of the shop readers (the JSON keeps the English text) ----
    WarnRepadded {
        en: "'{value}' was a number in the spreadsheet: read as '{fixed}'",
        fr: "'{value}' était un nombre dans le tableur : lu '{fixed}'",
    }
    WarnRepaddedAt {
        en: "'{value}' was a number in the spreadsheet: read as '{fixed}' ({place})",
        fr: "'{value}' était un nombre dans le tableur : lu '{fixed}' ({place})",
    }
    WarnAmbiguousDate {
        en: "'{value}' could be day/month or month/day: dates with '/' are read as {order}, the {export} export's order (read as {date})",
        fr: "'{value}' peut être jour/mois ou mois/jour : les dates avec '/' sont lues {order}, l'ordre des exports {export} (lu {date})",
    }
    WarnNotADate { en: "'{value}' is not a date: ignored", fr: "'{value}' n'est pas une date : ignorée" }
    WarnRowWithoutOrder {
        en: "a row without order number is not part of any order: skipped",
        fr: "une ligne sans numéro de commande n'appartient à aucune commande : écartée",
    }
    WarnRowWithoutOrderShort { en: "a row without order number: skipped", fr: "une ligne sans numéro de commande : écartée" }
    WarnHtmlNote {
        en: "HTML tags removed from the customer note",
        fr: "balises HTML retirées de la note du client",
    }
    WarnHtmlName { en: "HTML tags removed from '{name}'", fr: "balises HTML retirées de '{name}'" }
    WarnNameSplit {
        en: "no first/last name columns: every name of this export is split at its first space (here '{full}' → first name '{first}', last name '{last}')",
        fr: "pas de colonnes prénom/nom : chaque nom de cet export est coupé à son premier espace (ici '{full}' → prénom '{first}', nom '{last}')",
    }
    WarnPricesBasis {
        en: "the totals fit neither tax-inclusive nor tax-exclusive prices: [orders] prices_include_tax decides",
        fr: "les totaux ne correspondent ni à des prix TTC ni à des prix HT : [orders] prices_include_tax décide",
    }
    WarnSeveralRates {
        en: "{n} VAT rates ({rates}) and the export does not say which line has which: lines get no rate and Sage applies each article's own",
        fr: "{n} taux de TVA ({rates}) et l'export ne dit pas quelle ligne a lequel : les lignes n'ont pas de taux et Sage applique celui de chaque article",
    }
    WarnNotAnEmail {
        en: "'{value}' is not an e-mail address: not used for matching",
        fr: "'{value}' n'est pas une adresse e-mail : pas utilisée pour rechercher le client",
    }
    WarnUnknownCountry {
        en: "'{value}' is not a known country code or name: left empty",
        fr: "'{value}' n'est ni un code ni un nom de pays connu : laissé vide",
    }

    // ---- Notes left beside a file by `watch` (errors/, the duplicate note) ----
    NoteFailed {
        en: "passerelle could not convert \"{original}\".\n\
             \n\
             Received:   {received}, in inbox/\n\
             Kept here:  {kept} (unchanged)\n\
             Written:    nothing (no file in out/, no customer code or order recorded)\n\
             \n\
             What went wrong\n\
             \x20 {error}\n\
             \n\
             How to fix it\n\
             \x20 - If the file itself is wrong (a row cut in two, a column missing, not a shop export):\n\
             \x20   correct it, or export it again from the shop.\n\
             \x20 - If the file is right but not recognised, see how passerelle reads it:\n\
             \x20     passerelle inspect \"{kept}\"\n\
             \x20   and name its columns in [input.columns] of the profile ({profile}).\n\
             \x20 - Then drop the corrected file into inbox/ again. This copy can be deleted.\n\
             \n\
             Every detail: {claimed}.report.json beside this file.\n",
        fr: "passerelle n'a pas pu convertir \"{original}\".\n\
             \n\
             Reçu :        {received}, dans inbox/\n\
             Gardé ici :   {kept} (inchangé)\n\
             Écrit :       rien (aucun fichier dans out/, aucun code client ni commande enregistré)\n\
             \n\
             Ce qui n'a pas marché\n\
             \x20 {error}\n\
             \n\
             Comment corriger\n\
             \x20 - Si le fichier lui-même est faux (une ligne coupée en deux, une colonne manquante, pas un export de boutique) :\n\
             \x20   corrigez-le, ou exportez-le de nouveau depuis la boutique.\n\
             \x20 - Si le fichier est juste mais pas reconnu, voyez comment passerelle le lit :\n\
             \x20     passerelle inspect \"{kept}\"\n\
             \x20   et nommez ses colonnes dans [input.columns] du profil ({profile}).\n\
             \x20 - Puis déposez de nouveau le fichier corrigé dans inbox/. Cette copie peut être supprimée.\n\
             \n\
             Tous les détails : {claimed}.report.json, à côté de ce fichier.\n",
    }
    NoteNoResult { en: "the conversion gave no result for this file", fr: "la conversion n'a rien donné pour ce fichier" }
    NotePartial {
        en: "passerelle converted \"{original}\" except some records.\n\
             \n\
             Received:   {received}, in inbox/\n\
             Kept here:  {kept} (unchanged)\n\
             Written:    {written}: the records that converted; import it as usual.\n\
             \n\
             What went wrong\n\
             {failed}\
             \n\
             How to fix it\n\
             \x20 Correct these records (in the shop, the client list or the profile {profile}), then drop\n\
             \x20 a file holding them into inbox/ again. Orders already converted are skipped (state/).\n\
             \n\
             Every detail: {claimed}.report.json beside this file.\n",
        fr: "passerelle a converti \"{original}\" sauf quelques enregistrements.\n\
             \n\
             Reçu :        {received}, dans inbox/\n\
             Gardé ici :   {kept} (inchangé)\n\
             Écrit :       {written} : les enregistrements convertis ; à importer comme d'habitude.\n\
             \n\
             Ce qui n'a pas marché\n\
             {failed}\
             \n\
             Comment corriger\n\
             \x20 Corrigez ces enregistrements (dans la boutique, la liste des clients ou le profil {profile}),\n\
             \x20 puis déposez de nouveau dans inbox/ un fichier qui les contient. Les commandes déjà converties\n\
             \x20 sont écartées (state/).\n\
             \n\
             Tous les détails : {claimed}.report.json, à côté de ce fichier.\n",
    }
    NoteNothingNew { en: "nothing new to import", fr: "rien de nouveau à importer" }
    NoteCustomerFailed { en: "  customer {id} (record {record}): {detail}", fr: "  client {id} (enregistrement {record}) : {detail}" }
    NoteDuplicate {
        en: "\"{original}\" (received {received}) has exactly the same content as \"{first}\",\n\
             received {first_received} and converted then (kept as {first_path}).\n\
             It was not converted again: nothing was written to out/.\n\
             \n\
             If it must be converted again (its output was lost), convert it by hand:\n\
             \x20 passerelle convert --profile \"{profile}\" --out \"{out}\" \"<this file>\"\n",
        fr: "\"{original}\" (reçu {received}) a exactement le même contenu que \"{first}\",\n\
             reçu {first_received} et converti alors (gardé sous {first_path}).\n\
             Il n'a pas été converti de nouveau : rien n'a été écrit dans out/.\n\
             \n\
             S'il faut le convertir de nouveau (son fichier de sortie est perdu), convertissez-le à la main :\n\
             \x20 passerelle convert --profile \"{profile}\" --out \"{out}\" \"<ce fichier>\"\n",
    }

    // ---- inspect, validate, clients inspect, profile check ----
    InsPlatform { en: "  platform:   {v}", fr: "  plateforme : {v}" }
    InsKind { en: "  kind:       {v}", fr: "  type :       {v}" }
    InsGeneration { en: "  generation: {v}", fr: "  génération : {v}" }
    InsRecords { en: "  records:    {v}", fr: "  enregistrements : {v}" }
    InsCompanion {
        en: "  companion:  completes the {platform} {completes} given in the same run, joined {join}; not converted alone",
        fr: "  complément : complète les {completes} {platform} donnés dans le même traitement, joint {join} ; pas converti seul",
    }
    InsEncoding { en: "  encoding:   {v}", fr: "  encodage :   {v}" }
    InsGuessed { en: " (guessed)", fr: " (deviné)" }
    InsDelimiter { en: "  delimiter:  {v}", fr: "  séparateur : {v}" }
    InsColumns { en: "  columns:    {n} in the header", fr: "  colonnes :   {n} dans l'en-tête" }
    InsNotUsed { en: "  not used:   {v}", fr: "  non lues :   {v}" }
    InsNotUsedFilled {
        en: "  not used:   {v} (holding data in the records read)",
        fr: "  non lues :   {v} (avec des données dans les enregistrements lus)",
    }
    InsNotUsedEmpty { en: "  not used:   {v} (empty in the records read)", fr: "  non lues :   {v} (vides dans les enregistrements lus)" }
    InsIgnored { en: "  ignored:    {v} (of no use in Sage)", fr: "  ignorées :   {v} (sans usage dans Sage)" }
    InsError { en: "  error: {e}", fr: "  erreur : {e}" }
    ValShopExport {
        en: "{file}: this is a shop export ({platform} {kind}), not a Format Sage file: convert it with `passerelle convert`, then validate the .txt file that convert writes",
        fr: "{file} : c'est un export de boutique ({platform} {kind}), pas un fichier au Format Sage : convertissez-le avec `passerelle convert`, puis validez le fichier .txt qu'il écrit",
    }
    ValValid { en: "valid", fr: "valide" }
    ValErrors { en: "{n} error(s)", fr: "{n} erreur(s)" }
    ValCannotRead { en: "{file}: cannot read: {e}", fr: "{file} : lecture impossible : {e}" }
    CliFormatSage { en: "  format:     Format Sage export, #VER {ver}, CP850", fr: "  format :     export au Format Sage, #VER {ver}, CP850" }
    CliLayoutMatches {
        en: "  layout:     matches the #VER {ver} layout passerelle writes",
        fr: "  structure :  conforme à la structure #VER {ver} qu'écrit passerelle",
    }
    CliLayoutDiffers {
        en: "  layout:     DIFFERS from the #VER {ver} layout passerelle writes:",
        fr: "  structure :  DIFFÉRENTE de la structure #VER {ver} qu'écrit passerelle :",
    }
    CliFormatTable { en: "  format:     {format} ({encoding}, delimiter {delimiter})", fr: "  format :     {format} ({encoding}, séparateur {delimiter})" }
    CliColumns { en: "  columns:", fr: "  colonnes :" }
    CliClients { en: "  clients:    {n} (read in {ms} ms)", fr: "  clients :    {n} (lus en {ms} ms)" }
    CliWith {
        en: "  with SIRET: {siret}, with e-mail: {email}, with VAT number: {vat}",
        fr: "  avec SIRET : {siret}, avec e-mail : {email}, avec n° de TVA : {vat}",
    }
    CliInvalid {
        en: "  invalid:    {siret} SIRET, {vat} VAT numbers (not used to match), {codes} codes Sage would refuse",
        fr: "  invalides :  {siret} SIRET, {vat} n° de TVA (pas utilisés pour rechercher), {codes} codes que Sage refuserait",
    }
    CliNoConflict { en: "  conflicts:  none", fr: "  conflits :   aucun" }
    CliConflicts {
        en: "  conflicts:  {n} keys held by several clients (never used to guess):",
        fr: "  conflits :   {n} clés portées par plusieurs clients (jamais utilisées pour deviner) :",
    }
    CliUpdatesPossible {
        en: "  updates:    possible (complete records available)",
        fr: "  mises à jour : possibles (fiches complètes disponibles)",
    }
    CliUpdatesRefused { en: "  updates:    refused: {why}", fr: "  mises à jour : refusées : {why}" }
    CliNotes { en: "  notes:      {n}", fr: "  remarques :  {n}" }
    CliNotesMore { en: "    ... {n} more (--notes N)", fr: "    ... {n} de plus (--notes N)" }
    ChkProblems { en: "{file}: {n} problem(s)", fr: "{file} : {n} problème(s)" }
    ChkOk { en: "{file}: ok", fr: "{file} : ok" }
    ChkProblem { en: "{file}: {p}", fr: "{file} : {p}" }
    ChkWarning { en: "{file}: warning: {p}", fr: "{file} : avertissement : {p}" }

    // ---- Errors that stop a run (exit code 2) ----
    /// How to get the client list, said wherever it is missing (`convert`, `profile check`,
    /// `watch`). The menu names are those usually given for Sage 100 Gestion Commerciale; they
    /// are not verified on every release, and the text says so. The columns are those of
    /// `templates/gescom/columns.toml` that matter most.
    ErrExportHowto {
        en: "How to get the client list from Sage 100 Gestion Commerciale (menu names as usually given, not verified on every release):\n\
             \x20 - export the clients in Format Sage (Fichier > Exporter > Format Sage, clients only): the one form from which passerelle may also update existing clients;\n\
             \x20 - or export the list of clients (Structure > Clients) to a CSV or Excel file, with the column N° compte, and also Intitulé, Siret, N° identifiant (VAT number) and E-mail, by which shop customers are matched, and Compte collectif and Catégorie comptable, which new clients copy from the template client.\n\
             Save it where [clients] file of the profile says, or pass --clients FILE; `passerelle clients inspect FILE` shows how it is read",
        fr: "Pour obtenir la liste des clients depuis Sage 100 Gestion Commerciale (noms de menus tels qu'on les donne habituellement, non vérifiés sur chaque version) :\n\
             \x20 - exportez les clients au Format Sage (Fichier > Exporter > Format Sage, clients seulement) : la seule forme à partir de laquelle passerelle peut aussi mettre à jour les clients existants ;\n\
             \x20 - ou exportez la liste des clients (Structure > Clients) dans un fichier CSV ou Excel, avec la colonne N° compte, et aussi Intitulé, Siret, N° identifiant (n° de TVA) et E-mail, qui servent à retrouver les clients de la boutique, et Compte collectif et Catégorie comptable, que les nouveaux clients copient du client modèle.\n\
             Enregistrez-la où le dit [clients] file du profil, ou passez --clients FICHIER ; `passerelle clients inspect FICHIER` montre comment elle est lue",
    }
    ErrNoClientList {
        en: "no client list: set [clients] file in the profile or pass --clients FILE. passerelle needs the list of existing clients to match customers and to never reuse a code.",
        fr: "pas de liste des clients : renseignez [clients] file dans le profil ou passez --clients FICHIER. passerelle a besoin de la liste des clients existants pour retrouver les clients et ne jamais réutiliser un code.",
    }
    ErrClientListMissing {
        en: "client list {path} not found: passerelle needs the list of existing clients to match customers and to never reuse a code.",
        fr: "liste des clients {path} introuvable : passerelle a besoin de la liste des clients existants pour retrouver les clients et ne jamais réutiliser un code.",
    }
    ErrClientList { en: "client list: {e}", fr: "liste des clients : {e}" }
    ErrProfile { en: "profile: {e}", fr: "profil : {e}" }
    ErrOut { en: "output folder {path}: {e}", fr: "dossier de sortie {path} : {e}" }
    ErrStateDir {
        en: "state folder {path}: cannot {action} it: {e}. It keeps the codes issued and the orders converted: choose a folder you can write (--state DIR)",
        fr: "dossier d'état {path} : impossible de {action} : {e}. Il garde les codes émis et les commandes converties : choisissez un dossier où vous pouvez écrire (--state DOSSIER)",
    }
    ErrArticles { en: "article mapping: {e}", fr: "correspondance des articles : {e}" }
    ErrWatchNoDir {
        en: "no watch folder {path}: create it with a profile.toml inside (copy the watch/ folder of passerelle), or pass --dir DIR",
        fr: "pas de dossier de dépôt {path} : créez-le avec un profile.toml dedans (copiez le dossier watch/ de passerelle), ou passez --dir DOSSIER",
    }
    ErrWatchNoProfile {
        en: "no profile at {path}: write one with `passerelle profile init \"{path}\"` (then set [clients] file), or pass --profile FILE",
        fr: "pas de profil {path} : écrivez-en un avec `passerelle profile init \"{path}\"` (puis renseignez [clients] file), ou passez --profile FICHIER",
    }
    ErrWatchBusy {
        en: "another passerelle watch is already working on {dir} (it holds {lock}): stop it first. One watcher per folder",
        fr: "un autre passerelle watch travaille déjà sur {dir} (il tient {lock}) : arrêtez-le d'abord. Un seul watch par dossier",
    }

    // ---- Warnings of the writers and of the run (the JSON keeps the English text) ----
    WarnInvalidChars {
        en: "only A-Z and 0-9 are allowed: '{before}' written as '{after}'",
        fr: "seuls A-Z et 0-9 sont admis : '{before}' écrit '{after}'",
    }
    WarnTruncated {
        en: "{n} characters, the limit is {max}: written '{kept}', lost '{lost}'",
        fr: "{n} caractères pour {max} au plus : écrit '{kept}', perdu '{lost}'",
    }
    WarnTagLike {
        en: "'{value}' starts with '#', which reads as a record tag: written '{stripped}'",
        fr: "'{value}' commence par '#', qui se lit comme une étiquette d'enregistrement : écrit '{stripped}'",
    }
    WarnTransliterated {
        en: "'{text}' has characters {cp} lacks: {list}",
        fr: "'{text}' contient des caractères absents de {cp} : {list}",
    }
    SkipCancelled { en: "cancelled order: not imported", fr: "commande annulée : non importée" }
    SkipRefunded { en: "refunded order: not imported", fr: "commande remboursée : non importée" }
    SkipStatusOrder {
        en: "{status} order: not imported",
        fr: "commande au statut « {status} » : non importée",
    }
    SkipNotInStatuses {
        en: "status '{status}' is not in [orders] statuses: not imported",
        fr: "le statut '{status}' n'est pas dans [orders] statuses : non importée",
    }
    WarnDeliveryDiffers {
        en: "client {code}: {text} (not among the client's delivery addresses)",
        fr: "client {code} : {text} (absente des adresses de livraison du client)",
    }
    WarnBillingDiffers { en: "client {code}: {text}", fr: "client {code} : {text}" }

    // ---- Errors of an order (the JSON keeps the English text) ----
    DocConvertedEarlier {
        en: "converted by an earlier run (--force converts it again)",
        fr: "converti par une conversion précédente (--force le convertit de nouveau)",
    }
    ErrLineNoPrice { en: "line {n} has no price", fr: "la ligne {n} n'a pas de prix" }
    WhyNoSku { en: "a product line has no SKU", fr: "une ligne de produit n'a pas de SKU" }
    WhyNotMapped {
        en: "SKU '{sku}' is not in the article mapping {path}",
        fr: "le SKU '{sku}' n'est pas dans la correspondance des articles {path}",
    }
    WhySkuTooLong {
        en: "SKU '{sku}' (line {n}) is longer than a Sage article reference (18); map it in [orders] articles",
        fr: "le SKU '{sku}' (ligne {n}) est plus long qu'une référence article Sage (18) ; faites-le correspondre dans [orders] articles",
    }
    ErrNoArticle {
        en: "{why}: the order is not converted. Set [orders] unknown_article = \"divers\" (such lines go on article {divers} with the shop's label) or map the SKUs in [orders] articles",
        fr: "{why} : la commande n'est pas convertie. Mettez [orders] unknown_article = \"divers\" (ces lignes vont sur l'article {divers} avec le libellé de la boutique) ou faites correspondre les SKU dans [orders] articles",
    }
    WarnOnDivers {
        en: "{why}: written on article {divers} with the shop's label",
        fr: "{why} : écrite sur l'article {divers} avec le libellé de la boutique",
    }
}
