"""The community domain: schools, accounts, authentication (and, later, projects).

Other packages use only the names exported here.
"""

from .accounts.names import clean_display_text
from .accounts.profile import AccountView
from .accounts.pupils import IssuedPupil
from .accounts.registration import NewSchool, TeacherRegistration
from .accounts.staff import CreatedStaff
from .auth.grants import cap_grants, may_take_role
from .auth.sessions import SignedIn, join_principal
from .auth.tokens import JoinClaims
from .countries import Country, CountryGroup, country_table
from .errors import (
    AccountNotActive,
    InvalidCredentials,
    InvalidTransition,
    TokenExpired,
    TokenInvalid,
    TokenRevoked,
    WeakPassword,
)
from .integrations import IssuedApiKey, MintedJoinToken
from .mail import Mailer, MailMessage
from .network.contacts import ContactService
from .network.errors import (
    ContactCooldown,
    ContactExists,
    ContactWithSelf,
    NotYours,
    TooManyPosts,
)
from .network.nsos import CountryDetail, Nso, describe_country, nso_table
from .network.posts import PartnerPost, PartnerPostService, PostChanges, PostDraft
from .network.profiles import ProfileDraft, TeacherProfile, TeacherProfileService
from .network.search import PartnerSearchService
from .network.settings import NetworkSettings
from .network.vocabulary import Term, Vocabulary, vocabulary
from .principal import Integration, Principal
from .projects.calendars import EffectiveCalendar
from .projects.directory import ProjectDirectory, ProjectMember, may_join_meeting
from .projects.fields import ProjectForm
from .projects.gate import (
    ContentGate,
    HeldSpaceContent,
    SpaceContentKind,
    SpaceSubmission,
    publish_held,
)
from .projects.meetings import MeetingPlan, MeetingsSeen
from .projects.pages import PageDraft, PublicProject
from .projects.ports import ContactChecker
from .projects.projects import ProjectSight
from .projects.services import ProjectServices, build_project_services
from .projects.settings import ProjectSettings
from .projects.space import SpaceOverview
from .services import (
    AccountServices,
    NetworkServices,
    build_account_services,
    build_network_services,
)
from .settings import AccountSettings

__all__ = [
    "AccountNotActive",
    "AccountServices",
    "AccountSettings",
    "AccountView",
    "ContactChecker",
    "ContactCooldown",
    "ContactExists",
    "ContactService",
    "ContactWithSelf",
    "ContentGate",
    "Country",
    "CountryDetail",
    "CountryGroup",
    "CreatedStaff",
    "EffectiveCalendar",
    "HeldSpaceContent",
    "Integration",
    "InvalidCredentials",
    "InvalidTransition",
    "IssuedApiKey",
    "IssuedPupil",
    "JoinClaims",
    "MailMessage",
    "Mailer",
    "MeetingPlan",
    "MeetingsSeen",
    "MintedJoinToken",
    "NetworkServices",
    "NetworkSettings",
    "NewSchool",
    "NotYours",
    "Nso",
    "PageDraft",
    "PartnerPost",
    "PartnerPostService",
    "PartnerSearchService",
    "PostChanges",
    "PostDraft",
    "Principal",
    "ProfileDraft",
    "ProjectDirectory",
    "ProjectForm",
    "ProjectMember",
    "ProjectServices",
    "ProjectSettings",
    "ProjectSight",
    "PublicProject",
    "SignedIn",
    "SpaceContentKind",
    "SpaceOverview",
    "SpaceSubmission",
    "TeacherProfile",
    "TeacherProfileService",
    "TeacherRegistration",
    "Term",
    "TokenExpired",
    "TokenInvalid",
    "TokenRevoked",
    "TooManyPosts",
    "Vocabulary",
    "WeakPassword",
    "build_account_services",
    "build_network_services",
    "build_project_services",
    "cap_grants",
    "clean_display_text",
    "country_table",
    "describe_country",
    "join_principal",
    "may_join_meeting",
    "may_take_role",
    "nso_table",
    "publish_held",
    "vocabulary",
]
